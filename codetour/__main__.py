from codetour.cli import main

raise SystemExit(main())
