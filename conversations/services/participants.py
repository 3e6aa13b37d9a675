"""Who is in a conversation: joining and leaving."""

from datetime import datetime

from django.utils import timezone

from conversations.models import Conversation, Participant, ParticipantType


def participant_join(
    conversation: Conversation,
    *,
    kind: ParticipantType,
    participant_id: str,
    agent_pk: int | None = None,
    moment: datetime | None = None,
) -> Participant:
    moment = moment or timezone.now()
    participant, created = Participant.objects.get_or_create(
        conversation=conversation,
        type=kind,
        participant_id=participant_id,
        defaults={"language": conversation.language, "agent_id": agent_pk, "joined_at": moment},
    )
    if not created and participant.removed:
        participant.removed = False
        participant.joined_at = moment
        participant.left_at = None
        participant.save(update_fields=["removed", "joined_at", "left_at"])
    return participant


def participant_leave(
    conversation: Conversation, *, kind: ParticipantType, participant_id: str, moment: datetime
) -> None:
    Participant.objects.filter(
        conversation=conversation, type=kind, participant_id=participant_id, removed=False
    ).update(removed=True, left_at=moment)
