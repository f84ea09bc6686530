"""The review's editable work-order fields (``WorkOrderDraft``) to and from the stored
``WorkOrder``: one mapping for the panel's review and for 记录 (issue 11)."""

from __future__ import annotations

from dataclasses import replace

from assist_app.store.models import WorkOrder
from assist_app.ui.review import WorkOrderDraft


def draft_of(order: WorkOrder) -> WorkOrderDraft:
    """The review's editable fields of a work order."""
    return WorkOrderDraft(order.date, order.time, order.caller_name, order.caller_title, order.gender, order.phone,
                          order.summary, order.handling, order.follow_up, order.is_complaint)


def order_of(draft: WorkOrderDraft, base: WorkOrder) -> WorkOrder:
    """``base`` (its call id and status) with the review's edits."""
    return replace(base, date=draft.date, time=draft.time, caller_name=draft.caller_name,
                   caller_title=draft.caller_title, gender=draft.gender, phone=draft.phone, summary=draft.summary,
                   handling=draft.handling, follow_up=draft.follow_up, is_complaint=draft.is_complaint)
