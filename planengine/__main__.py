from planengine.entry import main

main()
