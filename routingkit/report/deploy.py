"""The one-click deploy widget: review, confirm, apply that exact plan once, roll back.

It takes the plan's id and summary and two callables (apply and rollback), so the report
package never imports the deployment code: whatever the callables do is what a click does.
A click on Apply asks for confirmation (repeating the org and the number of changes); Confirm
runs the apply exactly once (a second click, or a click while it runs, does nothing), streams
its progress lines, and ends with the outcome table, the apply id and a Roll back button.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol


class Outcome(Protocol):
    apply_id: str
    status: str

    def table(self) -> str: ...


Progress = Callable[[str], None]


class DeployWidget:
    """Build with the plan's facts and the callables; display ``.box`` (or the object)."""

    def __init__(
        self,
        *,
        plan_id: str,
        org_label: str,
        summary: str,
        changes: int,
        apply: Callable[[Progress], Outcome],
        rollback: Callable[[str, Progress], Outcome],
    ) -> None:
        import ipywidgets as w

        self.plan_id = plan_id
        self._apply = apply
        self._rollback = rollback
        self._lock = threading.Lock()
        self.applied: Outcome | None = None
        self.rolled_back: Outcome | None = None
        self.applies_started = 0
        self._asked = False  # Confirm counts only after Apply asked for it
        self.header = w.HTML(
            f"<b>Plan {plan_id}</b> for {org_label}<br>{summary}", layout=w.Layout(width="100%")
        )
        self.apply_button = w.Button(
            description="Apply…", button_style="warning", disabled=changes == 0
        )
        self.confirm_button = w.Button(
            description=f"Confirm: apply {changes} change(s)",
            button_style="danger",
            layout=w.Layout(display="none"),
        )
        self.cancel_button = w.Button(description="Cancel", layout=w.Layout(display="none"))
        self.rollback_button = w.Button(
            description="Roll back", button_style="info", layout=w.Layout(display="none")
        )
        self.confirm_text = w.HTML("")
        self.log = w.Output(layout=w.Layout(max_height="20em", overflow="auto"))
        self.apply_button.on_click(self.ask)
        self.confirm_button.on_click(self.confirm)
        self.cancel_button.on_click(self.cancel)
        self.rollback_button.on_click(self.undo)
        self._org_label = org_label
        self._changes = changes
        self.box = w.VBox(
            [
                self.header,
                w.HBox([self.apply_button, self.confirm_button, self.cancel_button]),
                self.confirm_text,
                self.log,
                self.rollback_button,
            ]
        )
        if changes == 0:
            self.confirm_text.value = "Nothing to apply: the org already matches the policy."

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.box)

    def _print(self, line: str) -> None:
        self.log.append_stdout(line + "\n")

    def ask(self, _: Any = None) -> None:
        if self.applied is not None or self.applies_started:
            return
        self.confirm_text.value = (
            f"Apply plan <b>{self.plan_id}</b> to <b>{self._org_label}</b>: "
            f"{self._changes} change(s). This changes production routing."
        )
        self.confirm_button.layout.display = ""
        self.cancel_button.layout.display = ""
        self._asked = True

    def cancel(self, _: Any = None) -> None:
        self._asked = False
        self.confirm_text.value = "Cancelled: nothing was applied."
        self.confirm_button.layout.display = "none"
        self.cancel_button.layout.display = "none"

    def confirm(self, _: Any = None) -> None:
        if not self._lock.acquire(blocking=False):
            return  # an apply is running
        try:
            if self.applies_started or not self._asked:
                return  # applied (or tried) once already, or never confirmed
            self.applies_started += 1
            for button in (self.apply_button, self.confirm_button, self.cancel_button):
                button.disabled = True
            self._print(f"applying plan {self.plan_id}…")
            try:
                self.applied = self._apply(self._print)
            except Exception as exc:  # shown to the analyst, never swallowed silently
                self._print(f"apply failed: {exc}")
                self.confirm_text.value = f"<b>Apply failed</b>: {exc}"
                return
            self._print(self.applied.table())
            self.confirm_text.value = f"<b>Apply {self.applied.apply_id}: {self.applied.status}</b>"
            self.rollback_button.layout.display = ""
        finally:
            self._lock.release()

    def undo(self, _: Any = None) -> None:
        if self.applied is None or self.rolled_back is not None:
            return
        if not self._lock.acquire(blocking=False):
            return
        try:
            self.rollback_button.disabled = True
            self.rolled_back = self._rollback(self.applied.apply_id, self._print)
            self._print(self.rolled_back.table())
            self.confirm_text.value = f"<b>Rolled back: {self.rolled_back.status}</b>"
        finally:
            self._lock.release()
