"""JSON shapes shared by the API's routes; keep them stable, clients rely on them."""

from portal.models import ConsultationKind, ConsultationState, DisclosureState
from portal.urls import absolute_url


def page(page, items):
    """A pagination.Page as the API's list envelope, with its `items` already serialized."""
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page}


def unit_ref(unit):
    """A unit inside another object: id and name."""
    return {"id": unit.id, "name": unit.name}


def unit_summary(unit):
    """A unit in a list."""
    return {
        "id": unit.id,
        "name": unit.name,
        "aliases": [a.name for a in unit.aliases],
        "kind": unit.kind.value,
        "url": absolute_url("public.units_show", unit_id=unit.id),
    }


def task(task):
    """A task with its ordered lead and participating units."""
    return {
        "id": task.id,
        "title": task.title,
        "kind": task.kind.value,
        "measure": task.measure.number,
        "lead_units": [unit_ref(u) for u in task.lead_units],
        "participating_units": [unit_ref(u) for u in task.participating_units],
    }


def measure_summary(measure):
    """A measure in a list."""
    return {
        "number": measure.number,
        "title": measure.title,
        "chapter": {"number": measure.chapter.number, "title": measure.chapter.title},
        "url": absolute_url("public.measures_show", number=measure.number),
    }


def goal(goal):
    """A goal and its target."""
    return {
        "id": goal.id,
        "name": goal.name,
        "comparison": goal.comparison.value,
        "target_value": float(goal.target_value),
        "unit_of_measure": goal.unit_of_measure,
        "baseline_year": goal.baseline_year,
        "target_year": goal.target_year,
        "measure": goal.task.measure.number,
        "task_id": goal.task_id,
        "lead_units": [unit_ref(u) for u in goal.lead_units],
        "source_text": goal.source_text,
    }


def _moment(value):
    """An aware datetime as ISO 8601 (UTC), or None."""
    return value.isoformat() if value is not None else None


def _day(value):
    return value.isoformat() if value is not None else None


def consultation_summary(consultation):
    """A published consultation in a list: what it is, who runs it, where, and its period."""
    project = consultation.project
    withdrawn = consultation.state is ConsultationState.WITHDRAWN
    return {
        "id": consultation.id,
        "title": consultation.title,
        "kind": consultation.kind.value,
        "state": consultation.state.value,
        "unit": unit_ref(consultation.unit),
        "area": {"number": consultation.area.number, "name": consultation.area.label},
        "project": {"id": project.id, "name": project.name} if project is not None else None,
        "stage": consultation.stage.value if consultation.stage is not None else None,
        "summary": consultation.summary,
        "opens_on": _day(consultation.opens_on),
        "closes_on": _day(consultation.closes_on),
        "original_closes_on": _day(consultation.original_closes_on),
        "published_at": _moment(consultation.published_at),
        "withdrawn_reason": consultation.withdrawn_reason if withdrawn else "",
        "url": absolute_url("public.consultations_show", consultation_id=consultation.id),
        "api_url": absolute_url("api.consultations_show", consultation_id=consultation.id),
    }


def public_hearing(hearing):
    """A hearing as anyone may see it (hearings.PublicHearing): never a registrant."""
    return {
        "id": hearing.id,
        "starts_at": _moment(hearing.starts_at),
        "place": hearing.place,
        "seats": hearing.seats,
        "seats_left": hearing.seats_left,
        "waitlist_length": hearing.waitlist_length,
        "eligibility": hearing.eligibility,
        "registration_closes_at": _moment(hearing.registration_closes_at),
        "registration_open": hearing.registration_open,
        "announced_at": _moment(hearing.announced_at),
        "minutes": hearing.minutes,
        "minutes_published_at": _moment(hearing.minutes_published_at),
        "attendance_count": hearing.attendance_count,
    }


def public_comment(comment):
    """A published comment (comments.PublicComment) with the unit's decision: never a contact or key."""
    decision = None
    if comment.decision is not None:
        decision = {
            "code": comment.decision.value,
            "label": comment.decision_label,
            "reason": comment.reason,
        }
    return {
        "id": comment.id,
        "body": comment.body,
        "author": comment.author,
        "paragraph": comment.paragraph_number,
        "submitted_at": _moment(comment.submitted_at),
        "decision": decision,
    }


def consultation_detail(consultation, paragraphs, hearings, comments):
    """A published consultation with its document, the EIA notice items, hearings and answered comments."""
    body = consultation_summary(consultation)
    if consultation.kind is ConsultationKind.EIA:
        # The notice items the EIA rules make public (the developer's published contact included).
        body["eia"] = {
            "project_location": consultation.project_location,
            "developer_name": consultation.developer_name,
            "developer_contact": consultation.developer_contact,
            "eia_preparer": consultation.eia_preparer,
        }
    body["how_to_comment"] = consultation.how_to_comment
    body["tasks"] = [
        {"id": t.id, "title": t.title, "measure": t.measure.number} for t in consultation.tasks
    ]
    body["paragraphs"] = [{"number": p.number, "text": p.text} for p in paragraphs]
    body["hearings"] = [public_hearing(h) for h in hearings]
    body["comments"] = [public_comment(c) for c in comments]
    body["statement"] = consultation.statement
    body["answered_at"] = _moment(consultation.answered_at)
    body["attachments"] = [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "url": absolute_url(
                "public.attachments_download", consultation_id=consultation.id, attachment_id=a.id
            ),
        }
        for a in consultation.attachments
    ]
    if consultation.answered_at is not None:
        body["statement_url"] = absolute_url(
            "public.statements_show", consultation_id=consultation.id
        )
    return body


def area(area):
    """An area inside another object: its number (0 for the 兵团 level) and name."""
    return {"number": area.number, "name": area.label}


def disclosure_category(category):
    """A disclosure category: its permanent code and its names in both languages."""
    return {"code": category.code, "name": category.name_zh, "name_en": category.name_en}


def disclosure_summary(disclosure):
    """A public disclosure in a list: what, by whom, where, when, how many versions, and whether withdrawn.

    `updated_at` is when the public last saw a change: its latest version, or its withdrawal.
    """
    withdrawn = disclosure.state is DisclosureState.WITHDRAWN
    changes = [v.published_at for v in disclosure.versions] + (
        [disclosure.withdrawn_at] if withdrawn else []
    )
    return {
        "id": disclosure.id,
        "title": disclosure.title,
        "state": disclosure.state.value,
        "category": disclosure_category(disclosure.category),
        "unit": unit_ref(disclosure.unit),
        "area": area(disclosure.area),
        "published_on": _day(disclosure.published_on),
        "first_published_at": _moment(disclosure.first_published_at),
        "updated_at": _moment(max(changes, default=None)),
        "version_count": len(disclosure.versions),
        "withdrawn_at": _moment(disclosure.withdrawn_at) if withdrawn else None,
        "withdrawn_reason": disclosure.withdrawn_reason if withdrawn else "",
        "url": absolute_url("public.disclosures_show", disclosure_id=disclosure.id),
        "api_url": absolute_url("api.disclosures_show", disclosure_id=disclosure.id),
    }


def disclosure_version(disclosure, version):
    """One published version of a disclosure, with the address of its public page."""
    return {
        "number": version.number,
        "title": version.title,
        "note": version.note,
        "published_at": _moment(version.published_at),
        "url": absolute_url(
            "public.disclosures_version", disclosure_id=disclosure.id, number=version.number
        ),
    }


def observation(observation):
    """A goal's value for one year, as a statistics disclosure published it."""
    goal = observation.goal
    # "indicator": the key clients know the goal by (a public contract, kept when the code said goal).
    return {
        "indicator": {"id": goal.id, "name": goal.name, "unit_of_measure": goal.unit_of_measure},
        "year": observation.year,
        "value": float(observation.value),
        "source": observation.source,
    }


def disclosure_detail(disclosure, body_html, observations):
    """A public disclosure with its current text (Markdown and sanitised HTML), links, files, figures and versions."""
    body = disclosure_summary(disclosure)
    measures = {t.measure.number: t.measure for t in disclosure.tasks}
    body["body"] = disclosure.body
    body["body_html"] = str(body_html)
    body["measures"] = [
        {
            "number": m.number,
            "title": m.title,
            "url": absolute_url("public.measures_show", number=m.number),
        }
        for _number, m in sorted(measures.items())
    ]
    body["tasks"] = [
        {"id": t.id, "title": t.title, "measure": t.measure.number} for t in disclosure.tasks
    ]
    body["attachments"] = [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "size": a.size,
            "added_at": _moment(a.created_at),
            "url": absolute_url(
                "public.disclosure_attachments_download",
                disclosure_id=disclosure.id,
                attachment_id=a.id,
            ),
        }
        for a in disclosure.attachments
    ]
    body["observations"] = [observation(o) for o in observations]
    body["versions"] = [disclosure_version(disclosure, v) for v in disclosure.versions]
    return body
