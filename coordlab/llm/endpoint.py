"""A real model behind an OpenAI-compatible endpoint: which model, where, and where its key is.

coordlab never stores an API key: an :class:`Endpoint` names the *environment variable* that
holds it and reads it only when a connector is built, so configurations, rows, summaries,
cache keys and traces can carry an endpoint's :attr:`~Endpoint.label` and nothing secret.

Whether a key is required: OpenAI itself (no ``base_url``) and any endpoint given an explicit
``api_key_env`` need one; a local server (Ollama, vLLM, llama.cpp, ``coordlab serve-sim``) at a
``base_url`` gets the key from ``OPENAI_API_KEY`` if that is set and a placeholder otherwise,
because OpenAI's clients refuse an empty key and local servers ignore it.

Example:
    >>> config = ModelConfig.parse("openai:llama3.1", base_url="http://localhost:11434/v1")
    >>> config.label
    'openai:llama3.1 @ http://localhost:11434/v1'
    >>> config.endpoint("fallback") == config.primary   # no fallback model configured
    True

"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from coordlab.errors import ConfigError, EndpointError

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
NO_KEY = "not-needed"
"""What a keyless local server is sent (the OpenAI clients refuse an empty key)."""

DEFAULT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Endpoint:
    """One model at one OpenAI-compatible base URL.

    Args:
        model: the model name the server knows (``gpt-4o-mini``, ``llama3.1``, ``primary``).
        base_url: the server's ``/v1`` URL; ``None`` means OpenAI's own API.
        api_key_env: the environment variable holding the key; ``None`` means
            ``OPENAI_API_KEY``, required only without ``base_url``.
        timeout_s: seconds a call may take before it counts as a timeout.

    """

    model: str
    base_url: str | None = None
    api_key_env: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def label(self) -> str:
        """``openai:MODEL @ URL``: what rows and traces record (never the key)."""
        return f"openai:{self.model} @ {self.base_url or 'https://api.openai.com/v1'}"

    @property
    def key_env(self) -> str:
        """The environment variable the key is read from."""
        return self.api_key_env or DEFAULT_KEY_ENV

    @property
    def key_required(self) -> bool:
        """Whether a missing key is an error (OpenAI's API, or an explicit ``api_key_env``)."""
        return self.base_url is None or self.api_key_env is not None

    def api_key(self) -> str:
        """Read the key from the environment now.

        Raises:
            EndpointError: the key is required and its variable is unset or empty.

        """
        key = os.environ.get(self.key_env, "")
        if key:
            return key
        if self.key_required:
            raise EndpointError(
                f"no API key: set ${self.key_env} for {self.label}"
                " (or pass --api-key-env NAME to read it from another variable)"
            )
        return NO_KEY


@dataclass(frozen=True)
class ModelConfig:
    """The models a run uses: the primary and, after an outage, the fallback.

    Model tiers map onto endpoints: ``primary`` is :attr:`primary`; ``fallback`` is
    :attr:`fallback`, or the primary again when none is configured (then an outage has nowhere
    to go, and recovery escalates). Prices come from :data:`coordlab.llm.pricing.TIERS` by tier.
    """

    primary: Endpoint
    fallback: Endpoint | None = None

    @classmethod
    def parse(
        cls,
        spec: str,
        base_url: str | None = None,
        api_key_env: str | None = None,
        fallback: str | None = None,
        fallback_base_url: str | None = None,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> ModelConfig:
        """Build a configuration from the CLI's ``--llm openai:MODEL`` form.

        The fallback shares the primary's base URL and key unless ``fallback_base_url`` is given.

        Raises:
            ConfigError: a spec that is not ``openai:MODEL``, or a non-positive timeout.

        """
        if timeout_s <= 0:
            raise ConfigError(f"the model timeout must be positive, not {timeout_s}")
        primary = Endpoint(_model_name(spec), _url(base_url), api_key_env, timeout_s)
        spare = None
        if fallback:
            spare = replace(
                primary,
                model=_model_name(fallback),
                base_url=_url(fallback_base_url) or primary.base_url,
            )
        return cls(primary, spare)

    @property
    def label(self) -> str:
        """The primary's label, plus the fallback's model when there is one."""
        if self.fallback is None:
            return self.primary.label
        return f"{self.primary.label} (fallback {self.fallback.label})"

    def endpoint(self, tier: str) -> Endpoint:
        """The endpoint that answers ``tier`` (``primary`` or ``fallback``)."""
        if tier == "fallback" and self.fallback is not None:
            return self.fallback
        if tier in ("primary", "fallback"):
            return self.primary
        raise ConfigError(f"unknown model tier '{tier}'; known: primary, fallback")

    def endpoints(self) -> dict[str, Endpoint]:
        """``{tier: endpoint}`` for both tiers."""
        return {tier: self.endpoint(tier) for tier in ("primary", "fallback")}


def _model_name(spec: str) -> str:
    provider, sep, model = (spec or "").partition(":")
    if not sep or provider != "openai" or not model.strip():
        raise ConfigError(
            f"bad model '{spec}': use openai:MODEL (an OpenAI-compatible endpoint, with --base-url)"
        )
    return model.strip()


def _url(base_url: str | None) -> str | None:
    if base_url is None:
        return None
    url = base_url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"bad base URL '{base_url}': it must start with http:// or https://")
    return url


def model_config(llm, base_url: str | None = None):
    """``llm`` as given, a ``"openai:MODEL"`` string parsed, an endpoint checked to answer.

    Raises:
        ConfigError: a malformed model spec, or ``base_url`` without a model.
        EndpointError: see :func:`coordlab.llm.openai_compat.check_endpoint`.

    """
    if isinstance(llm, str):
        llm = ModelConfig.parse(llm, base_url=base_url)
    elif base_url is not None:
        raise ConfigError("base_url needs llm='openai:MODEL'")
    if isinstance(llm, ModelConfig):
        from coordlab.llm.openai_compat import check_endpoint

        check_endpoint(llm)
    return llm
