"""Generate the client from the running gateway, then run the story's steps in order."""

import time
from collections.abc import Callable
from pathlib import Path

from gateway.demo import DEMO_CLIENTS, demo_key
from tools.demo.client import Api, CallFailed, GenerationFailed, generate, load
from tools.demo.figures import run_id
from tools.demo.stack import merged_document
from tools.demo.steps import STEPS
from tools.demo.story import StepFailed, Story


def generated_api(url: str, out: Path) -> Api:
    """The client generated from `url`'s merged OpenAPI into `out`, loaded."""
    generate(merged_document(url), out)
    return Api(load(out), url)


def run_story(
    url: str, *, out: Path, write: Callable[[str], None], keys: dict[str, str] | None = None
) -> int:
    """Generate, then tell every step; 1 at the first failing one, naming it and its answer."""
    try:
        started = time.monotonic()
        api = generated_api(url, out)
    except GenerationFailed as failed:
        write(f"== demo FAILED generating the client: {failed}")
        return 1
    write(
        f"== client generated from {url}/openapi.json into {out} "
        f"({time.monotonic() - started:.1f} s, no warnings)"
    )
    return tell(api, write=write, keys=keys)


def tell(api: Api, *, write: Callable[[str], None], keys: dict[str, str] | None = None) -> int:
    """Every step of the story in order as the demo clients (`keys`: label → API key)."""
    story = Story(
        api=api,
        keys=dict(keys) if keys else {label: demo_key(label) for label in DEMO_CLIENTS},
        run=run_id(),
        say=lambda line: write(f"     {line}"),
    )
    write(f"== run {story.run}: the programme year through the gateway")
    for number, (name, step) in enumerate(STEPS, start=1):
        write(f"[{number:>2}/{len(STEPS)}] {name} …")
        began = time.monotonic()
        try:
            step(story)
        except CallFailed as failed:
            write(f"== demo FAILED at step {number} ({name}): {failed}")
            return 1
        except StepFailed as failed:
            write(f"== demo FAILED at step {number} ({name}): {failed}")
            return 1
        except Exception as broken:  # an answer the generated client could not read, say
            write(f"== demo FAILED at step {number} ({name}): {type(broken).__name__}: {broken}")
            return 1
        write(f"     ✓ {time.monotonic() - began:.1f} s")
    write(f"== the programme year ran through: {len(STEPS)} steps")
    return 0
