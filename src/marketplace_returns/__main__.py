from marketplace_returns.cli import main

main()
