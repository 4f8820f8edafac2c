import sys

from codenl.cli import main

sys.exit(main())
