"""Long page work off the request: an in-process thread pool with a status per job.

A page that may take long (verifying both hash chains over millions of rows) submits its work here and
waits up to ``INLINE_SECONDS``; if the work is done by then the page shows the result at once, as before.
Otherwise the browser is sent to a progress page of the same route (``?job=<id>``) that refreshes itself
(``<meta http-equiv="refresh">``: no script, so the page CSP holds) until the result is there. No request
blocks for more than about two seconds.

Chosen over a jobs table because the work only reads and its result is shown once, to whoever asked: a
restart loses a running verification, which the monitor simply asks for again. The work runs in its own
read-only unit of work on the app's engine, never in the request's session.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

#: How long a request waits for its job before answering with the progress page.
INLINE_SECONDS = 2.0
#: Finished jobs kept for their owner to read; older ones are forgotten.
KEEP = 50

_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="returnhub-page-job")
_lock = threading.Lock()


@dataclass
class Job:
    id: str
    owner: str
    label: str
    future: Future[Any]
    started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> bool:
        return self.future.done()

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.started)


_jobs: dict[str, Job] = {}


def submit(owner: str, label: str, work: Callable[[], Any]) -> Job:
    job = Job(secrets.token_urlsafe(12), owner, label, _pool.submit(work))
    with _lock:
        _jobs[job.id] = job
        for old in list(_jobs)[:-KEEP]:
            if _jobs[old].done:
                del _jobs[old]
    return job


def find(job_id: str, owner: str) -> Job | None:
    """The job, only for the user who started it (another user's id is as good as unknown)."""
    with _lock:
        job = _jobs.get(job_id)
    return job if job is not None and job.owner == owner else None


def wait(job: Job, seconds: float | None = None) -> bool:
    try:
        job.future.result(timeout=INLINE_SECONDS if seconds is None else seconds)
    except TimeoutError:
        return False
    return True
