"""Celery entry points of the experts app: take ids, call services, send mail after commit."""

from __future__ import annotations

from celery import shared_task

from experts import routing, services


@shared_task(name="experts.tasks.route_question")
def route_question(thread_id: int) -> int:
    """Notify the first wave of experts about a new question. Safe to run twice: the
    (thread, expert) pair is unique, so nobody is asked twice."""
    return routing.question_route(thread_id=thread_id, wave=0)


@shared_task(name="experts.tasks.send_routing_email")
def send_routing_email(notification_id: int) -> bool:
    return routing.routing_email_send(notification_id=notification_id)


@shared_task(name="experts.tasks.escalate_unanswered")
def escalate_unanswered() -> int:
    return routing.unanswered_escalate()


@shared_task(name="experts.tasks.remind_askers")
def remind_askers() -> int:
    return routing.askers_remind()


@shared_task(name="experts.tasks.refresh_scores")
def refresh_scores() -> int:
    count = services.scores_refresh()
    services.badges_award_category_tops()
    return count


@shared_task(name="experts.tasks.calibrate_routing")
def calibrate_routing() -> float | None:
    """Choose the routing timescale from the latest answers (daily)."""
    calibration = services.routing_calibrate()
    return calibration.half_life_days if calibration else None
