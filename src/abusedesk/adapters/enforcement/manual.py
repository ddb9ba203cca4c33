"""The executor of actions no system carries out: staff do it and abusedesk records it."""

from __future__ import annotations

from abusedesk.domain.enforcement import ExecutionRequest, ExecutionResult


class ManualExecutor:
    """Records the action as carried out by hand; used when no executor is configured."""

    name = "manual"

    def describe(self, request: ExecutionRequest) -> str:
        verb = "lift" if request.lift else "carry out"
        return (f"staff {verb} {request.action.value} of {request.target} by hand "
                f"(no executor is configured for {request.action.value})")

    def execute(self, request: ExecutionRequest) -> ExecutionResult:
        verb = "lifted" if request.lift else "carried out"
        return ExecutionResult(True, f"{request.action.value} of {request.target} {verb} by hand "
                                     "(no executor is configured; recorded as done)", self.name)
