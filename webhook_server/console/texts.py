"""The console's words in English and Spanish, and which of them an agent reads.

An agent picks a language with ``?lang=es`` (remembered in a cookie); until then their browser's
``Accept-Language`` chooses. Error redirects carry a code (``?error=slot-not-free``), never text:
a page only shows words it has for that code.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

LANGUAGES: Final = ("en", "es")
LANGUAGE_COOKIE: Final = "fridgecare_lang"

TEXTS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "console": "agent console",
        "sign_in": "Sign in",
        "user": "User",
        "password": "Password",
        "sign_out": "Sign out",
        "wrong_login": "Wrong user name or password.",
        "locked": "Too many failed sign-ins: try again in {minutes} min.",
        "stale_form": "This form is out of date: reload the page and try again.",
        "tickets": "Tickets",
        "all_tickets": "All tickets",
        "any": "any",
        "status": "Status",
        "severity": "Severity",
        "fault_code": "Fault code",
        "zone": "Zone",
        "search": "Ticket id, serial or phone",
        "filter": "Search",
        "ticket": "Ticket",
        "received": "Received",
        "fault": "Fault",
        "customer": "Customer",
        "visit": "Visit",
        "urgency": "Urgency",
        "no_tickets": "No tickets match.",
        "showing": "{first}\N{EN DASH}{last} of {total}, most urgent first",
        "newer": "\N{LEFTWARDS ARROW} Previous",
        "older": "Next \N{RIGHTWARDS ARROW}",
        "overdue": "Overdue by {time}",
        "due_in": "Due in {time}",
        "late_visit": "Visit {time} after the deadline",
        "zones_seen": "Your zones: {zones}",
        "all_zones": "All zones (supervisor)",
        "status.booked": "booked",
        "status.needs_dispatch": "needs dispatch",
        "status.human_review": "human review",
        "status.closed": "closed",
        "severity.info": "info",
        "severity.warning": "warning",
        "severity.critical": "critical",
        "diagnosis": "Diagnosis",
        "summary": "Sender's summary",
        "component": "Component",
        "part": "Part",
        "none": "none",
        "unknown": "unknown",
        "appliance": "Appliance",
        "serial": "serial",
        "detected": "Detected",
        "deadline": "Deadline",
        "unsafe": "Food unsafe in",
        "confidence": "confidence",
        "evidence": "Evidence",
        "contact": "Phone / e-mail",
        "no_contact": "none given",
        "language": "Language",
        "preferred": "Preferred visit times",
        "no_preferred": "none given",
        "booking": "Visit",
        "with": "with",
        "no_visit": "No visit booked.",
        "booked_late": (
            "Booked {time} after the deadline: no technician was free sooner. Move the visit "
            "forward if an earlier slot frees up."
        ),
        "move_to": "Move the visit to",
        "book_at": "Book a visit",
        "in_time": "Before the deadline",
        "after_deadline": "After the deadline: the customer must agree",
        "late_by": "{time} late",
        "late_ok": "The customer agreed to a visit after the deadline",
        "no_slot": "no free slot in the next two weeks",
        "earliest_late": "No technician is free before the deadline ({deadline}).",
        "reschedule": "Move visit",
        "book": "Book",
        "close": "Close ticket",
        "review": "Diagnose",
        "review_help": (
            "The fault code is not in the catalog. Choose the fault it is, or the skill the "
            "technician needs; then book a visit."
        ),
        "set_code": "Fault",
        "set_skill": "or skill",
        "apply": "Apply",
        "messages": "Customer messages",
        "queued": "Queued",
        "event": "About",
        "delivery": "Delivery",
        "message": "Message",
        "email": "E-mail",
        "no_messages": "No messages.",
        "times_local": "Times are local to each ticket's zone.",
        "error.slot-not-free": "That slot is not free any more: pick another.",
        "error.slot-just-taken": "Someone booked that slot a moment ago: pick another.",
        "error.slot-after-deadline": (
            "That slot is after the deadline: tick the box once the customer agrees, or pick "
            "an earlier one."
        ),
        "error.choose-slot": "Choose a slot.",
        "error.ticket-closed": "This ticket is closed.",
        "error.no-ticket": "No such ticket.",
        "error.unknown-code": "That fault code is not in the catalog.",
        "error.nothing-to-change": "Choose a fault code or a skill.",
    },
    "es": {
        "console": "consola de agentes",
        "sign_in": "Iniciar sesión",
        "user": "Usuario",
        "password": "Contraseña",
        "sign_out": "Cerrar sesión",
        "wrong_login": "Usuario o contraseña incorrectos.",
        "locked": "Demasiados intentos fallidos: vuelve a intentarlo dentro de {minutes} min.",
        "stale_form": "El formulario ha caducado: recarga la página y vuelve a intentarlo.",
        "tickets": "Incidencias",
        "all_tickets": "Todas las incidencias",
        "any": "cualquiera",
        "status": "Estado",
        "severity": "Gravedad",
        "fault_code": "Código de avería",
        "zone": "Zona",
        "search": "Incidencia, n.º de serie o teléfono",
        "filter": "Buscar",
        "ticket": "Incidencia",
        "received": "Recibida",
        "fault": "Avería",
        "customer": "Cliente",
        "visit": "Visita",
        "urgency": "Urgencia",
        "no_tickets": "Ninguna incidencia coincide.",
        "showing": "{first}\N{EN DASH}{last} de {total}, las más urgentes primero",
        "newer": "\N{LEFTWARDS ARROW} Anteriores",
        "older": "Siguientes \N{RIGHTWARDS ARROW}",
        "overdue": "Vencida hace {time}",
        "due_in": "Vence en {time}",
        "late_visit": "Visita {time} después del plazo",
        "zones_seen": "Tus zonas: {zones}",
        "all_zones": "Todas las zonas (supervisión)",
        "status.booked": "con cita",
        "status.needs_dispatch": "pendiente de cita",
        "status.human_review": "revisión manual",
        "status.closed": "cerrada",
        "severity.info": "informativa",
        "severity.warning": "aviso",
        "severity.critical": "crítica",
        "diagnosis": "Diagnóstico",
        "summary": "Resumen del aparato",
        "component": "Componente",
        "part": "Pieza",
        "none": "ninguna",
        "unknown": "desconocido",
        "appliance": "Aparato",
        "serial": "n.º de serie",
        "detected": "Detectada",
        "deadline": "Plazo",
        "unsafe": "Comida en riesgo en",
        "confidence": "confianza",
        "evidence": "Datos",
        "contact": "Teléfono / correo",
        "no_contact": "no indicado",
        "language": "Idioma",
        "preferred": "Horarios preferidos",
        "no_preferred": "no indicados",
        "booking": "Visita",
        "with": "con",
        "no_visit": "Sin visita.",
        "booked_late": (
            "Cita {time} después del plazo: ningún técnico estaba libre antes. Adelanta la visita "
            "si se libera un hueco antes."
        ),
        "move_to": "Mover la visita a",
        "book_at": "Dar cita",
        "in_time": "Antes del plazo",
        "after_deadline": "Después del plazo: el cliente debe aceptarlo",
        "late_by": "{time} tarde",
        "late_ok": "El cliente acepta una visita después del plazo",
        "no_slot": "ningún hueco libre en las próximas dos semanas",
        "earliest_late": "Ningún técnico está libre antes del plazo ({deadline}).",
        "reschedule": "Mover visita",
        "book": "Dar cita",
        "close": "Cerrar incidencia",
        "review": "Diagnosticar",
        "review_help": (
            "El código de avería no está en el catálogo. Elige la avería que es, o la "
            "especialidad que necesita el técnico; después da cita."
        ),
        "set_code": "Avería",
        "set_skill": "o especialidad",
        "apply": "Aplicar",
        "messages": "Mensajes al cliente",
        "queued": "En cola",
        "event": "Motivo",
        "delivery": "Envío",
        "message": "Mensaje",
        "email": "Correo",
        "no_messages": "Sin mensajes.",
        "times_local": "Las horas son las locales de la zona de cada incidencia.",
        "error.slot-not-free": "Ese hueco ya no está libre: elige otro.",
        "error.slot-just-taken": "Alguien acaba de ocupar ese hueco: elige otro.",
        "error.slot-after-deadline": (
            "Ese hueco es posterior al plazo: marca la casilla cuando el cliente lo acepte, o "
            "elige uno anterior."
        ),
        "error.choose-slot": "Elige un hueco.",
        "error.ticket-closed": "Esta incidencia está cerrada.",
        "error.no-ticket": "No existe esa incidencia.",
        "error.unknown-code": "Ese código de avería no está en el catálogo.",
        "error.nothing-to-change": "Elige un código de avería o una especialidad.",
    },
}

ERRORS: Final = frozenset(
    key.removeprefix("error.") for key in TEXTS["en"] if key.startswith("error.")
)


def language_of(request: web.Request) -> str:
    """Return the agent's language: ``?lang=``, then the cookie, then the browser's preference."""
    chosen = request.query.get("lang") or request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    preferences = []
    for item in request.headers.get("Accept-Language", "").split(","):
        tag, _, weight = item.strip().partition(";q=")
        try:
            quality = float(weight) if weight else 1.0
        except ValueError:
            quality = 0.0
        preferences.append((quality, tag.split("-")[0].lower()))
    for _, tag in sorted(preferences, key=lambda item: -item[0]):
        if tag in LANGUAGES:
            return tag
    return "en"


def translator(language: str) -> dict[str, str]:
    """Return the words of one language."""
    return TEXTS[language]
