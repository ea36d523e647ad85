import sys

from dms_component.cli import main

sys.exit(main())
