"""The features, in the order they are registered (the first matching handler in a group wins).

1. core: /start, /help, Home, consent, Cancel, and (in group -1, before everything) ending an
   open prompt on any other tap or command;
2. one entry per feature, each declaring its commands and registering its own button types,
   prompts, home-menu buttons and jobs in its setup();
3. the fallbacks: /cancel, calm answers for taps nobody understands, typed text (the answer
   to an open prompt, or text outside any prompt), then everything else.

`bot.app.build_application` receives this list; nothing in `bot/` imports a feature.
"""

from __future__ import annotations

from bot.context import Feature
from handlers import (
    appointments,
    bring,
    core,
    counts,
    edcard,
    family,
    glossary,
    guide,
    log,
    medicines,
    phase,
    privacy,
    questions,
    search,
    share,
    site_welcome,
    symptoms,
)

FEATURES: tuple[Feature, ...] = (
    Feature(core.COMMANDS, core.setup),
    Feature((), site_welcome.setup),
    Feature(guide.COMMANDS, guide.setup),
    Feature(symptoms.COMMANDS, symptoms.setup),
    Feature(questions.COMMANDS, questions.setup),
    Feature(privacy.COMMANDS, privacy.setup),
    Feature(phase.COMMANDS, phase.setup),
    Feature(appointments.COMMANDS, appointments.setup),
    Feature(family.COMMANDS, family.setup),
    Feature(counts.COMMANDS, counts.setup, "counts"),
    Feature(medicines.COMMANDS, medicines.setup, "medicines"),
    Feature(log.COMMANDS, log.setup, "log"),
    Feature(edcard.COMMANDS, edcard.setup, "edcard"),
    Feature(glossary.COMMANDS, glossary.setup),
    Feature(search.COMMANDS, search.setup),
    Feature(share.COMMANDS, share.setup),
    Feature(bring.COMMANDS, bring.setup),
    Feature(core.LAST_COMMANDS, core.setup_fallbacks),
)
