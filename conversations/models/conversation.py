"""Conversations and what happens in them: channels, interactions, participants, messages,
attachments, cards, post-agent assignments and the timers that end things."""

from django.db import models
from django.utils import timezone

from gateway_sim.ids import new_id


class ApiFlavour(models.TextChoices):
    GATEWAY = "gateway"
    LEGACY = "legacy"


class Channel(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id)
    tenant = models.ForeignKey("conversations.Tenant", on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=256)
    type = models.CharField(max_length=25, default="ChatAPI")
    description = models.CharField(max_length=1024, blank=True, default="")
    webhook = models.ForeignKey(
        "webhooks.Webhook", on_delete=models.SET_NULL, null=True, blank=True, related_name="channels"
    )
    routing_queue = models.ForeignKey(
        "conversations.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    api = models.CharField(max_length=8, choices=ApiFlavour.choices, default=ApiFlavour.GATEWAY)
    # Deleted channels disappear from the API but keep their conversations' history readable.
    is_deleted = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["tenant", "is_deleted"], name="channel_tenant_live")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class ConversationState(models.TextChoices):
    CREATED = "created"
    ACTIVE = "active"
    IDLE = "idle"


class AssignmentType(models.TextChoices):
    QUEUE = "queue"
    SCRIPT = "script"
    AGENT = "agent"
    WEBHOOK = "webhook"


class Conversation(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id)
    tenant = models.ForeignKey("conversations.Tenant", on_delete=models.CASCADE, related_name="conversations")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="conversations")
    api = models.CharField(max_length=8, choices=ApiFlavour.choices, default=ApiFlavour.GATEWAY)
    state = models.CharField(
        max_length=8, choices=ConversationState.choices, default=ConversationState.CREATED
    )
    assignment_type = models.CharField(max_length=8, choices=AssignmentType.choices, blank=True)
    assignment_id = models.CharField(max_length=64, blank=True)
    # The 8x8 `user` object as the integration sent it (camelCase keys kept).
    user = models.JSONField(default=dict)
    # Legacy v2 `customer` map, kept verbatim for v2 reads.
    legacy_customer = models.JSONField(default=dict, blank=True)
    user_participant_id = models.CharField(max_length=128)
    # The queue used last: a re-opened conversation is queued there again.
    queue = models.ForeignKey(
        "conversations.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        "conversations.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    script = models.ForeignKey(
        "conversations.Script", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message_seq = models.PositiveIntegerField(default=0)
    event_seq = models.PositiveIntegerField(default=0)
    last_user_message_at = models.DateTimeField(null=True, blank=True)
    last_bot_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # GET /conversations lists a tenant's conversations by creation.
            models.Index(fields=["tenant", "created_at"], name="conversation_tenant_created"),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def language(self) -> str:
        return str(self.user.get("language") or "en")

    @property
    def display_name(self) -> str:
        return str(self.user.get("name") or self.user.get("email") or "Customer")

    def assign(self, kind: "AssignmentType", assignee_id: str) -> None:
        """Who the conversation is with now (saved by the caller, with `touch`)."""
        self.assignment_type = kind
        self.assignment_id = assignee_id

    def touch(self, *fields: str) -> None:
        """Save `fields` and the time of the change."""
        self.updated_at = timezone.now()
        self.save(update_fields=["updated_at", *fields])

    def next_message_seq(self) -> int:
        self.message_seq += 1
        return self.message_seq

    def next_event_seq(self) -> int:
        self.event_seq += 1
        return self.event_seq


class InteractionStatus(models.TextChoices):
    QUEUED = "queued"
    WITH_AGENT = "with_agent"
    SCRIPT = "script"
    ENDED = "ended"


class InteractionQuerySet(models.QuerySet["Interaction"]):
    def open(self) -> "InteractionQuerySet":
        return self.exclude(status=InteractionStatus.ENDED)

    def waiting(self) -> "InteractionQuerySet":
        return self.filter(status=InteractionStatus.QUEUED).order_by("queued_at", "id")


class Interaction(models.Model):
    """One Contact Center interaction of a conversation (queue -> agent -> ... -> end)."""

    id = models.CharField(primary_key=True, max_length=128)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="interactions")
    status = models.CharField(max_length=16, choices=InteractionStatus.choices)
    queue = models.ForeignKey(
        "conversations.Queue", on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    agent = models.ForeignKey(
        "conversations.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    started_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = InteractionQuerySet.as_manager()

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"],
                condition=~models.Q(status="ended"),
                name="interaction_one_open_per_conversation",
            ),
        ]
        indexes = [
            # Routing: the waiting interactions of a queue, oldest first.
            models.Index(fields=["queue", "status", "queued_at"], name="interaction_queue_waiting"),
            # Capacity: an agent's open chats.
            models.Index(fields=["agent", "status"], name="interaction_agent_status"),
        ]


class ParticipantType(models.TextChoices):
    USER = "user"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"


class Participant(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="participants")
    participant_id = models.CharField(max_length=128)
    type = models.CharField(max_length=8, choices=ParticipantType.choices)
    language = models.CharField(max_length=16, default="en")
    removed = models.BooleanField(default=False)
    agent = models.ForeignKey(
        "conversations.Agent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    # When the agent closed this chat on the desktop after leaving it (its wrap-up). A wrap-up
    # is open while `left_at` is later than this, so a re-join and a new leave reopen it.
    wrapped_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "type", "participant_id"], name="participant_unique"
            ),
        ]

    def as_author(self) -> dict[str, object]:
        return {
            "id": self.participant_id,
            "removed": self.removed,
            "type": self.type,
            "language": self.language,
        }


class Attachment(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="attachments")
    author_type = models.CharField(max_length=8, choices=ParticipantType.choices, default="user")
    filename = models.CharField(max_length=256)
    content_type = models.CharField(max_length=256, default="application/octet-stream")
    size_in_bytes = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to="attachments/%Y/%m/%d", max_length=512)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    @property
    def kind(self) -> str:
        """The event's attachment `type`: image, video, audio or file."""
        major = self.content_type.split("/", 1)[0]
        return major if major in {"image", "video", "audio"} else "file"


class Message(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    interaction = models.ForeignKey(
        Interaction, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    seq = models.PositiveIntegerField()
    # A ParticipantType, or a v2 history item's `type` as the client sent it (an extensible
    # enum: "bot Options:" is a real client's value), hence no choices and room for 64.
    author_type = models.CharField(max_length=64)
    author_id = models.CharField(max_length=128)
    author_name = models.CharField(max_length=256, blank=True)
    text = models.TextField(blank=True)
    external_provider = models.JSONField(null=True, blank=True)
    attachments = models.ManyToManyField(Attachment, related_name="messages", blank=True)
    is_history = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # Set for agent messages when the integration sends a read receipt covering them.
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["seq"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_unique_seq"),
        ]


class Card(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_id)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="cards")
    position = models.PositiveIntegerField(default=0)
    content_type = models.CharField(max_length=64, default="application/vnd.microsoft.card.adaptive")
    content = models.JSONField(default=dict)
    action_submitted = models.BooleanField(default=False)
    action_executed = models.BooleanField(default=False)
    # What the user chose: the quick-reply option or the submitted card inputs.
    submitted_value = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["message", "position"]


class PostAgentAssignmentManager(models.Manager["PostAgentAssignment"]):
    def active_for(self, conversation: Conversation) -> "PostAgentAssignment | None":
        """The hand-back to a bot webhook in force for `conversation`, if any (read fresh).

        While one is in force the conversation's assignment is that webhook, so any other
        assignment answers without a query (this runs for every event of every conversation).
        """
        if conversation.assignment_type != AssignmentType.WEBHOOK:
            return None
        return (
            self.filter(conversation_id=conversation.pk, activated_at__isnull=False, finished_at__isnull=True)
            .select_related("webhook")
            .first()
        )


class PostAgentAssignment(models.Model):
    """Hands the conversation to a webhook (bot) once the agent has left."""

    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="post_agent_assignment"
    )
    webhook = models.ForeignKey("webhooks.Webhook", on_delete=models.CASCADE, related_name="+")
    notify_channel_webhook = models.BooleanField(default=False)
    max_total_minutes = models.PositiveIntegerField(null=True, blank=True)
    user_timeout_minutes = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = PostAgentAssignmentManager()

    @property
    def is_active(self) -> bool:
        return self.activated_at is not None and self.finished_at is None


class TimerKind(models.TextChoices):
    OFFER_TIMEOUT = "offer_timeout"
    POST_AGENT_MAX_TOTAL = "paa_max_total"
    POST_AGENT_USER_TIMEOUT = "paa_user_timeout"
    AUTOPILOT_ACCEPT = "autopilot_accept"
    AUTOPILOT_REJECT = "autopilot_reject"
    AUTOPILOT_REPLY = "autopilot_reply"


class Timer(models.Model):
    """A deferred domain action. Fired once, by whichever process claims it first."""

    # Null only for timers scheduled before timers named their tenant.
    tenant = models.ForeignKey(
        "conversations.Tenant", on_delete=models.CASCADE, null=True, blank=True, related_name="timers"
    )
    kind = models.CharField(max_length=24, choices=TimerKind.choices)
    ref = models.CharField(max_length=128)
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The clock's "what is due next" query.
            models.Index(
                fields=["due_at"], condition=models.Q(fired_at__isnull=True), name="timer_pending_due"
            ),
            models.Index(fields=["kind", "ref"], name="timer_kind_ref"),
        ]
