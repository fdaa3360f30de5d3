"""Long page work off the request: an in-process thread pool with a status per job.

A page that may take long (verifying both hash chains over millions of rows) submits its work here and
waits up to ``INLINE_SECONDS``; if the work is done by then the page shows the result at once, as before.
Otherwise the browser is sent to a progress page of the same route (``?job=<id>``) that refreshes itself
(``<meta http-equiv="refresh">``: no script, so the page CSP holds) until the result is there. No request
blocks for more than about two seconds.

Chosen over a jobs table because a job's result is shown once, to whoever asked: a restart loses a running
verification, which the monitor simply asks for again. The work runs in its own unit of work on the app's
engine, never in the request's session: a job that writes (screening, approving a plan, locking or
departing a transfer) is one transaction committed when it ends, and a refusal (a ``DomainError``) rolls it
back, so nothing is written and the page shows the refusal as the request would have. A restart during a
write job rolls back its open transaction: nothing half done is left.
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
    #: What the job acts on (``transfer:TR…``, ``plan:3``): a job's id is only good on its own page.
    subject: str = ""
    started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> bool:
        return self.future.done()

    @property
    def seconds(self) -> int:
        return int(time.monotonic() - self.started)


_jobs: dict[str, Job] = {}


def submit(owner: str, label: str, work: Callable[[], Any], *, subject: str = "") -> Job:
    job = Job(secrets.token_urlsafe(12), owner, label, _pool.submit(work), subject)
    with _lock:
        _jobs[job.id] = job
        for old in list(_jobs)[:-KEEP]:
            if _jobs[old].done:
                del _jobs[old]
    return job


def find(job_id: str, owner: str, subject: str = "") -> Job | None:
    """The job, only for the user who started it and on its own subject's page (another user's id, or an
    id from another transfer's page, is as good as unknown)."""
    with _lock:
        job = _jobs.get(job_id)
    if job is None or job.owner != owner or job.subject != subject:
        return None
    return job


def progress(job: Job) -> dict[str, Any]:
    """What a progress page shows of a running job."""
    return {"id": job.id, "label": job.label, "seconds": job.seconds}


def wait(job: Job, seconds: float | None = None) -> bool:
    """Whether the job ended within the wait. Its error is not raised here: the caller reads the outcome
    (``job.future.result()``) and shows a refusal on its own page."""
    try:
        job.future.exception(timeout=INLINE_SECONDS if seconds is None else seconds)
    except TimeoutError:
        return False
    return True
