from celery import shared_task

from sessions import services


@shared_task(name="sessions.mark_started_sessions_held", ignore_result=True)
def mark_started_sessions_held() -> int:
    """Every minute (beat): a session whose register was taken early took place once it starts."""
    return services.mark_started_sessions_held()
