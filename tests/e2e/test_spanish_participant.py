"""A Spanish-speaking participant on a phone: picks Spanish at the foot of the sign-in page,
then their home page, a goal check-in and a questionnaire, all in Spanish; axe on each page;
the page says it is Spanish, and the questions, which stay English, say they are English."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from measures import services as measure_services
from measures.models import MeasureResponse
from tests.members.factories import PASSWORD, UserFactory
from tests.sessions.factories import GroupSessionFactory
from tests.therapy_groups.factories import EnrollmentFactory, TherapyGroupFactory
from therapy_groups.models import Goal


def test_a_spanish_speaker_uses_home_goal_and_questionnaire_on_a_phone(page, live_server):
    person = UserFactory(first_name="Lucía", language="es")
    group = TherapyGroupFactory(
        facilitators=[UserFactory(role="facilitator")], display_name="Grupo del martes"
    )
    EnrollmentFactory(group=group, participant=person)
    goal = Goal.objects.create(group=group, participant=person, what="Caminar tres veces")
    measure_services.set_measure_plan(group=group, instruments=["gad7"], schedule="every")
    session = GroupSessionFactory(group=group, starts_at=timezone.now() + timedelta(days=1))
    browser = page.page
    browser.set_viewport_size({"width": 390, "height": 844})

    page.goto(live_server.url + reverse("account_login"))
    browser.get_by_role("button", name="Español").click()
    page.check()
    assert browser.locator("html").get_attribute("lang") == "es"
    assert browser.get_by_role("heading", level=1).inner_text() == "Iniciar sesión"
    # The way back names English in English, for someone who reads no Spanish.
    assert browser.locator(".language-picker button").all_inner_texts() == ["English"]
    browser.locator('input[name="login"]').fill(person.email)
    browser.locator('input[name="password"]').fill(PASSWORD)
    browser.locator('form[action*="login"] button[type="submit"]').click()
    page.check()

    assert browser.locator("html").get_attribute("lang") == "es"
    assert browser.get_by_role("heading", level=1).inner_text() == "Hola, Lucía"
    assert browser.get_by_role("heading", name="Tu próxima sesión").is_visible()
    assert browser.get_by_role("link", name="¿Necesitas ayuda ahora?").is_visible()

    browser.get_by_role("link", name="Caminar tres veces").click()
    page.check()
    browser.get_by_label("Una nota (opcional)").fill("Dos veces esta semana")
    browser.get_by_role("button", name="6", exact=True).click()
    browser.get_by_text("Seguimiento guardado").wait_for()
    page.check()
    assert list(goal.check_ins.values_list("progress", flat=True)) == [6]

    page.goto(live_server.url + reverse("home"))
    browser.get_by_role("link", name="Empezar el cuestionario").click()
    page.check()
    assert browser.get_by_text("Estas preguntas están en inglés").is_visible()
    questions = browser.locator("legend span[lang=en]")
    assert questions.count() == 7
    for n in range(1, 8):
        browser.locator(f'input[name="gad7-{n}"][value="1"]').check()
    browser.get_by_role("button", name="Enviar mis respuestas").click()
    page.check()
    assert browser.get_by_role("heading", level=1).inner_text() == "Gracias"
    answer = MeasureResponse.objects.get(participant=person, session=session)
    assert answer.language == "en"
