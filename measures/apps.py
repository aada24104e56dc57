from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = "Measures"

    def ready(self) -> None:
        from core import audit, outbox
        from measures import absences, escalation, messages, queries, requests, risk_notes
        from measures.models import FollowUp, MeasureResponse
        from members import sessions

        sessions.read_with_person("follow_ups_waiting", queries.FOLLOW_UPS_WAITING)
        messages.register()  # its message kinds; below, what each tick does for it
        outbox.register_tick_planner(escalation.escalate_overdue)
        outbox.register_tick_planner(requests.plan_requests)
        outbox.register_tick_planner(risk_notes.open_for_risk_notes)
        outbox.register_tick_planner(absences.open_for_absences)

        def participant(instance):
            return instance.participant_id

        def group(instance):
            return instance.group_id

        audit.track(MeasureResponse, group=group, participant=participant)
        audit.track(FollowUp, group=group, participant=participant)
