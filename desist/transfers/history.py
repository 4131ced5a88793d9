"""The sending force's read-only history, as the policy asks for it (registered in
TransfersConfig.ready(); `desist.policy.register_history_source`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from desist.transfers.models import TransferredRecord, TransferStatus


class _Source:
    def transferred_record_ids(self, force_id: int, label: str) -> QuerySet[Any]:
        return TransferredRecord.objects.filter(
            transfer__from_force_id=force_id,
            transfer__status=TransferStatus.ACCEPTED,
            record_type=label,
        ).values("record_id")


SOURCE = _Source()
