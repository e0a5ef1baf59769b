"""Errors coordlab raises, from bad configuration to a refused tool call.

The pipeline tells three kinds of trouble apart, because the layers treat them differently:

* :class:`TransientError` (timeouts, rate limits, outages): the recovery layer retries or falls
  back; without it the error propagates and the trial is ``crashed``.
* :class:`Rejected` (a check refused a value: a pydantic validation error, a schema-invalid tool
  result, a verification verdict, a tool refusing an unauthorised refund): the pipeline hands the
  ticket to a human (``escalated``), or, with recovery on, re-runs the step it blames first.
* :class:`CoordlabError` subclasses for user mistakes (bad dataset rows, unknown layers): the CLI
  prints one line and exits non-zero.
"""

from __future__ import annotations


class CoordlabError(Exception):
    """Base class for every error coordlab raises on purpose."""


class ConfigError(CoordlabError, ValueError):
    """An unknown backend, layer, mode or profile, or a malformed spec string."""


class DatasetError(CoordlabError, ValueError):
    """A dataset row that does not validate; the message names file, line and field."""


class MissingExtraError(CoordlabError, ImportError):
    """An optional dependency is not installed; the message names the pip command."""


class EndpointError(CoordlabError):
    """A model endpoint that cannot serve the run: unreachable, refusing the key, no such model.

    Its message never contains the key (nor a server's echo of it): it names the endpoint's
    label and the environment variable the key comes from.
    """


class TransientError(CoordlabError):
    """A failure that may go away if the same call is made again.

    Attributes:
        kind: ``timeout``, ``rate_limit`` or ``outage``.
        step: the pipeline step that was running.
        virtual_s: virtual seconds the failed call cost before it failed.
        retry_after_s: seconds a real server asked the client to wait (its ``Retry-After``);
            the recovery layer waits that long, in real time, before retrying. The simulator
            never sets it: its backoff is on the virtual clock.

    """

    def __init__(
        self,
        kind: str,
        step: str,
        message: str = "",
        virtual_s: float = 0.0,
        retry_after_s: float = 0.0,
    ):
        super().__init__(message or f"{kind} during {step}")
        self.kind = kind
        self.step = step
        self.virtual_s = virtual_s
        self.retry_after_s = retry_after_s


class Rejected(CoordlabError):
    """A check refused a value, so it never reached the customer.

    Attributes:
        blame: the step whose output was refused (where a retry should start).
        layer: the layer (or component) whose check refused it.
        reason: a short human-readable reason.

    """

    def __init__(self, blame: str, layer: str, reason: str):
        super().__init__(f"{layer} rejected {blame}: {reason}")
        self.blame = blame
        self.layer = layer
        self.reason = reason
