from socialscore_ops.cli import main

main()
