"""Talking to models: the async client, the request ledger, providers and the embedded local llama.cpp server.

Modules: :mod:`~codenl.llm.client` (sliding window, retries), :mod:`~codenl.llm.retry` (policy),
:mod:`~codenl.llm.ledger` (request keys, append-only ledger), :mod:`~codenl.llm.providers` (base URLs, keys),
:mod:`~codenl.llm.local` (llama.cpp server), :mod:`~codenl.llm.pricing`, :mod:`~codenl.llm.progress`, and the
``query`` stage (:mod:`~codenl.llm.query`).  Importing this package imports nothing heavy.
"""
