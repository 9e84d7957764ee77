"""Resident questions and their moderation, public updates, subscriptions, priority rounds.

A question's contact email (and the address it came from) is for staff and for the one
"your question was answered" message only: no public page, feed, API or export reads it
(citystat/engagement/tests/test_privacy.py scans them all).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from citystat.lib.fields import URLField
from citystat.plan.models import Translatable

QUESTION_MAX_LENGTH = 1000


class AreaKind(models.TextChoices):
    """The two boundary layers residents know their place by (demo slugs in city.yaml)."""

    NEIGHBORHOOD = "neighborhood", _("Neighborhood")
    DISTRICT = "district", _("Council district")


class Question(Translatable):
    # The official answer residents read is written in each of the city's languages; the
    # resident's own question stays as they wrote it.
    TRANSLATABLE = ("answer",)

    class Channel(models.TextChoices):
        FORM = "form", _("Web form")
        API = "api", _("API")
        WEBHOOK = "webhook", _("Social post (webhook)")
        MASTODON = "mastodon", _("Mastodon")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        MERGED = "merged", _("Merged into another question")
        ANSWERED = "answered", _("Answered")

    class Live(models.TextChoices):
        NOT_SHOWN = "", _("Not on the board")
        ON_SCREEN = "on_screen", _("On screen")
        ANSWERED_LIVE = "answered_live", _("Answered live")

    text = models.TextField(validators=[MaxLengthValidator(QUESTION_MAX_LENGTH)])
    channel = models.CharField(max_length=20, choices=Channel.choices)
    # Where a social post came from (webhook source name, Mastodon instance) and its own
    # id there, so a repeated delivery or poll never stores the same post twice.
    source = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    external_url = URLField(max_length=500, blank=True)
    name = models.CharField(max_length=120, blank=True)
    contact_email = models.EmailField(blank=True, help_text="Never published.")
    submitted_ip = models.GenericIPAddressField(null=True, blank=True)
    neighborhood = models.CharField(max_length=120, blank=True)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
    )
    goal = models.ForeignKey(
        "plan.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="questions"
    )
    measure = models.ForeignKey(
        "plan.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="questions",
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    rejection_reason = models.CharField(max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="merged"
    )
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    live = models.CharField(max_length=20, choices=Live.choices, default="", blank=True)
    shown_at = models.DateTimeField(null=True, blank=True)
    answered_live_at = models.DateTimeField(null=True, blank=True)
    recording_seconds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where the answer starts in the meeting's recording."
    )
    flagged_spam = models.BooleanField(default=False)
    flagged_abusive = models.BooleanField(default=False)
    flag_reasons = models.CharField(max_length=300, blank=True)
    answer_emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "source", "external_id"],
                condition=~models.Q(external_id=""),
                name="question_external_id_once",
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_public(self) -> bool:
        return self.state in (self.State.APPROVED, self.State.ANSWERED)

    @property
    def is_flagged(self) -> bool:
        return self.flagged_spam or self.flagged_abusive


class Update(Translatable):
    """A short public note from staff that may embed live data: a measure or filtered rows.

    Its title and body can be written in each of the city's languages (`translations`,
    read through citystat.city.translations.localized)."""

    TRANSLATABLE = ("title", "body")

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    body = models.TextField(help_text="Plain text; blank lines start new paragraphs.")
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while it is a draft."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    measure = models.ForeignKey(
        "plan.Measure", on_delete=models.SET_NULL, null=True, blank=True, related_name="updates"
    )
    goal = models.ForeignKey(
        "plan.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="updates"
    )
    dataset = models.ForeignKey(
        "catalog.Dataset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="updates",
    )
    # [{"field": <public column>, "value": <text>}, ...]; checked by
    # citystat.engagement.embeds.clean_filter, turned into a parameterised WHERE there.
    dataset_filter = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-created_at"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("engagement:update", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()


class UpdateArea(models.Model):
    """A neighborhood or district an update concerns (it shows on that area's page)."""

    update = models.ForeignKey(Update, on_delete=models.CASCADE, related_name="areas")
    kind = models.CharField(max_length=20, choices=AreaKind.choices)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["update", "kind", "name"], name="update_area_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class Subscription(models.Model):
    class Delivery(models.TextChoices):
        # `citystat digest` gathers everything new into one message each time it runs
        # (daily from cron); immediate subscriptions are also sent each item as soon as it
        # is published (a watch's load, `citystat digest --immediate`).
        DIGEST = "digest", _("In a digest")
        IMMEDIATE = "immediate", _("As soon as it is published")

    class Subject(models.TextChoices):
        NEIGHBORHOOD = "neighborhood", _("A neighborhood")
        DISTRICT = "district", _("A council district")
        GOAL = "goal", _("A goal of the plan")
        MEASURE = "measure", _("A measure of the plan")
        MEETINGS = "meetings", _("The meeting calendar")

    email = models.EmailField()
    subject = models.CharField(max_length=20, choices=Subject.choices)
    # The area name, or the goal's or measure's primary key as text; empty for the
    # meeting calendar.
    subject_key = models.CharField(max_length=120, blank=True)
    delivery = models.CharField(max_length=20, choices=Delivery.choices, default=Delivery.DIGEST)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # How many confirmation links were mailed. A link carries the number it was sent
    # with and works only while it is the latest (subscriptions.read_confirm_link), so
    # a link mailed before an unsubscription never turns the subscription back on.
    confirmations_sent = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["email", "subject", "subject_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "subject", "subject_key"], name="subscription_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.subject_key}".strip()

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class SentItem(models.Model):
    """The digest's ledger: this address has been sent this item, so it never is again."""

    email = models.EmailField()
    item_kind = models.CharField(max_length=20)
    item_id = models.PositiveBigIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "item_kind", "item_id"], name="sent_once")
        ]

    def __str__(self) -> str:
        return f"{self.item_kind} {self.item_id}"


class Mailbox(models.Model):
    """How mail to one subscriber's address is going: failed sends, the wait, a pause.

    An SMTP error while sending to the address counts a failure and puts off the next try
    (subscriptions.BACKOFF, doubling each time); after subscriptions.MAX_FAILURES in a
    row the address is paused and staff see it in the workspace until they resume it.
    """

    email = models.EmailField(unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    retry_after = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class Watch(models.Model):
    """A dataset's promise to tell residents, place by place, what each load brought.

    citystat.engagement.pushes turns each published version into one update per place
    (from the diff with the version before it); `clean()` refuses any field the
    dataset's schema does not have, or does not publish.
    """

    class Rows(models.TextChoices):
        NEW = "new", _("New rows")
        CHANGED = "changed", _("Changed rows")
        BOTH = "both", _("New or changed rows")

    dataset = models.ForeignKey("catalog.Dataset", on_delete=models.CASCADE, related_name="watches")
    rows = models.CharField(max_length=10, choices=Rows.choices, default=Rows.NEW)
    # [field, ...]: each a public column naming a neighborhood or a council district.
    place_fields = models.JSONField(default=list)
    # {field: "neighborhood" | "district"} for a column whose name does not say which.
    place_kinds = models.JSONField(default=dict, blank=True)
    show_fields = models.JSONField(default=list)
    publish_automatically = models.BooleanField(
        default=False, help_text="Off: each drafted update waits for staff to publish it."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dataset"]
        verbose_name_plural = "watches"

    def __str__(self) -> str:
        return f"watch on {self.dataset.slug}"

    def clean(self) -> None:
        # Imported here: watches imports this module.
        from citystat.engagement.watches import watch_problems  # noqa: PLC0415

        if self.dataset_id is None:
            return  # the form says the dataset is missing
        problems = watch_problems(self)
        if problems:
            raise ValidationError(problems)


class WatchPush(models.Model):
    """The ledger of a watch: the update drafted for one place from one version, once."""

    watch = models.ForeignKey(Watch, on_delete=models.CASCADE, related_name="pushes")
    version_number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=AreaKind.choices)
    name = models.CharField(max_length=120)
    row_count = models.PositiveIntegerField()
    update = models.ForeignKey(
        Update, on_delete=models.SET_NULL, null=True, blank=True, related_name="pushes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["watch", "version_number", "kind", "name"], name="push_once_per_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.watch} v{self.version_number} {self.kind} {self.name}"


class MastodonCursor(models.Model):
    """The newest post already read from one instance's hashtag timeline (`since_id`)."""

    instance = URLField()
    hashtag = models.CharField(max_length=100)
    since_id = models.CharField(max_length=40, blank=True)
    polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instance", "hashtag"], name="mastodon_cursor_once")
        ]

    def __str__(self) -> str:
        return f"{self.instance} #{self.hashtag}"


class PriorityRound(models.Model):
    """One "pick your priorities" exercise; staff open and close it."""

    class Choices(models.TextChoices):
        PRIORITY_AREAS = "priority_areas", _("Priority areas of the plan")
        SERVICES = "services", _("City services")

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    choices = models.CharField(
        max_length=20, choices=Choices.choices, default=Choices.PRIORITY_AREAS
    )
    is_open = models.BooleanField(default=False)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class PriorityBallot(models.Model):
    """One resident's ranking in a round; `voter` is a keyed hash, never the raw token."""

    round = models.ForeignKey(PriorityRound, on_delete=models.CASCADE, related_name="ballots")
    voter = models.CharField(max_length=64)
    district = models.CharField(max_length=120, blank=True)
    ranking = models.JSONField(help_text="Choice keys, most important first.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "voter"], name="one_ballot_per_voter")
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.district}"
