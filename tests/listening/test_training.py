"""Training from our own threads, storing the model, and using it at first use."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from listening import services
from listening.models import ClassifierModel
from tests.factories import CategoryFactory, ThreadFactory

pytestmark = pytest.mark.django_db

PRINTER_TITLES = [
    "Printer prints streaks after a new toner cartridge",
    "Paper jam error but the tray is empty",
    "Printer is offline on Windows after the update",
    "How do I clean the print head?",
]
BILLING_TITLES = [
    "I was charged twice for my subscription",
    "How do I get an invoice with my VAT number?",
    "Refund for a returned order never arrived",
    "Cannot change the credit card on my account",
]


def test_the_classifier_is_trained_at_first_use_from_our_threads_and_stored(db):
    printers = CategoryFactory(slug="printers", name="Printers")
    billing = CategoryFactory(slug="billing", name="Billing")
    for title in PRINTER_TITLES:
        ThreadFactory(category=printers, title=title, body_md="The printer does this daily.")
    for title in BILLING_TITLES:
        ThreadFactory(category=billing, title=title, body_md="My bank statement shows it.")

    model = services.classifier_current()

    stored = ClassifierModel.objects.get()
    assert stored.trained_on["questions"] == 8 + 80  # our threads + the committed seed
    assert stored.trained_on["printers"] == 4 and stored.trained_on["billing"] == 4
    assert model.classify("my printer has a paper jam again, what now?").category == "printers"
    assert model.classify("they charged me twice, I need a refund").category == "billing"
    # Loaded once per process until a newer model is stored.
    assert services.classifier_current() is model


def test_hidden_threads_are_not_learned_from(db):
    ThreadFactory(title="A hidden question about printers", is_hidden=True)
    services.classifier_train(save=True)
    assert ClassifierModel.objects.get().trained_on["questions"] == 80


def test_the_training_command_stores_a_newer_model_that_is_then_used(db):
    services.classifier_current()
    call_command("listening_train", stdout=StringIO())

    assert ClassifierModel.objects.count() == 2
    newest = ClassifierModel.objects.order_by("-id").first()
    services.classifier_current()
    assert services._loaded[0] == newest.pk
