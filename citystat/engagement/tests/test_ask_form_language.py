import pytest
from django.utils import translation

from citystat.engagement.forms import AskForm

pytestmark = pytest.mark.django_db


def test_the_question_help_text_follows_the_visitors_language():
    with translation.override("es"):
        spanish = str(AskForm().fields["text"].help_text)
    with translation.override("en"):
        english = str(AskForm().fields["text"].help_text)
    assert spanish.startswith("Hasta 1,000 caracteres")
    assert english.startswith("Up to 1,000 characters")
