"""Running untrusted, model-written programs: layered isolation, a pre-forked pool, structured results.

Public API (imported lazily by the modules that need it)::

    from codenl.sandbox.pool import Sandbox, SandboxConfig, SANDBOX_VERSION
    from codenl.sandbox.limits import Limits
    from codenl.sandbox.result import SandboxResult

See :mod:`codenl.sandbox.selfcheck` for the layers, :mod:`codenl.sandbox.bwrap` for how the interpreter under
/root is reached by the unprivileged sandbox user, and :mod:`codenl.sandbox.worker` for a task's life.
"""
