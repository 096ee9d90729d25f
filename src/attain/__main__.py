"""``python -m attain`` is the ``attain`` console script."""

from attain.cli import main

main()
