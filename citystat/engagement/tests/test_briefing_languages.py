"""The briefing book reads the department's account, strategies and resident answers in
the reader's language, an untranslated one in English, marked."""

from __future__ import annotations

from citystat.engagement.models import Question
from citystat.meetings.agenda import publish_agenda
from citystat.meetings.tests.conftest import city, plan_measures  # noqa: F401
from citystat.meetings.tests.test_briefing import meeting  # noqa: F401
from citystat.plan.models import Narrative, Strategy


def test_the_spanish_briefing_reads_narratives_strategies_and_answers_in_spanish(
    client,
    city,  # noqa: F811
    meeting,  # noqa: F811
):
    city.languages = ["en", "es"]
    city.save()
    narrative = Narrative.objects.get(context="Two crews were out sick.")
    # No English next steps: the Spanish ones must show all the same.
    Narrative.objects.filter(pk=narrative.pk).update(
        actions="Overtime on weekends.",
        translations={
            "es": {"context": "Dos cuadrillas estaban de baja.", "next_steps": "Contratar."}
        },
    )
    Strategy.objects.filter(title="Leak detection pilot").update(
        translations={"es": {"title": "Piloto de detección de fugas"}}
    )
    Question.objects.create(
        text="When?",
        channel=Question.Channel.FORM,
        meeting=meeting,
        state=Question.State.ANSWERED,
        answer="Monday.",
        translations={"es": {"answer": "El lunes."}},
    )
    publish_agenda(meeting)
    url = f"/meetings/{meeting.pk}/briefing/"
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<p>Dos cuadrillas estaban de baja.</p>" in body
    assert "Two crews were out sick." not in body
    assert "</strong> Contratar.</p>" in body
    assert '<span lang="en">Overtime on weekends.</span>' in body
    assert "<li>Piloto de detección de fugas — " in body
    assert "El lunes." in body and "Monday." not in body
