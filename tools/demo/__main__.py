"""`make demo`: find (or start) the stack, generate its client, tell the programme year.

python -m tools.demo                   # against DEMO_URL (default http://127.0.0.1:8000)
"""

import os
import sys
import time
from pathlib import Path

from tools.demo.run import run_story
from tools.demo.stack import DEFAULT_URL, ROOT, StackUnavailable, stack


def main() -> int:
    """Run the demo; 0 when every step succeeded."""
    url = os.environ.get("DEMO_URL", DEFAULT_URL).rstrip("/")
    out = Path(os.environ.get("DEMO_CLIENT_DIR", ROOT / "var" / "demo-client"))
    started = time.monotonic()
    try:
        with stack(url, log=ROOT / "var" / "demo-stack.log") as (found, ours):
            print(
                f"== stack: {'started here (var/demo-stack.log)' if ours else 'found'} at {found}"
            )
            status = run_story(found, out=out, write=print)
    except StackUnavailable as down:
        print(f"== demo FAILED: no stack: {down}", file=sys.stderr)
        return 1
    print(f"== {time.monotonic() - started:.1f} s in all")
    return status


if __name__ == "__main__":
    sys.exit(main())
