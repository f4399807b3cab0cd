"""Questions for the doctor: the guide's question lists, My questions, own questions, PDF, text.

The parent saves the guide's questions (by group, or "Questions about this" under a guide
section), types their own, marks them asked, writes down the answers, and takes the list to
the appointment as a PDF or as text to forward. Its modules, each importing only those
before it:

- `buttons`: every button type (prefixes fixed: old buttons in chats keep working) and the
  prompt kinds;
- `rules`: limits, lengths, pages, list entries, the forwarded text (pure, no Telegram);
- `views`: the screens, content and saved questions in, a `View` out;
- `guide_questions`: the question groups and "Questions about this", with save toggles;
- `my_questions`: My questions, one question, asked, answers, own questions, remove/Undo,
  and the two prompts (QUESTION, ANSWER);
- `export`: the list as a PDF or as text;
- `jobs`: erasing removed questions when their Undo window ends;
- here: /myquestions, the registrations in `setup`, and the buttons under guide pages.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardButton as Button
from telegram.ext import CommandHandler

from bot.content import Content, Part, Section
from bot.context import BotApp, Command, services_of
from handlers.common import PRIVATE, at_start_and_every, button, menu_button, tap
from handlers.guide import section_commands
from handlers.prompts import on_prompt
from handlers.questions.buttons import (
    AskAnswer,
    AskOwnQuestion,
    MarkAsked,
    MyQuestions,
    OpenQuestion,
    RemoveQuestion,
    SaveAboutQuestion,
    SaveGroupQuestion,
    SendPdf,
    SendText,
    ShowAbout,
    ShowGroup,
    ShowGroups,
    UndoRemove,
    VisitQuestion,
)
from handlers.questions.export import send_pdf, send_text
from handlers.questions.guide_questions import (
    show_groups,
    tap_about,
    tap_group,
    tap_groups,
    toggle_about_question,
    toggle_group_question,
)
from handlers.questions.jobs import PURGE_EVERY, PURGE_JOB, purge_removed_questions
from handlers.questions.my_questions import (
    ANSWER,
    QUESTION,
    ask_answer,
    ask_own_question,
    list_questions,
    mark_question,
    open_question,
    own_question,
    remove_question,
    tap_list,
    undo_remove,
)
from handlers.questions.rules import (
    LABEL,
    MAX_ANSWER,
    MAX_OWN,
    MAX_QUESTIONS,
    PER_PAGE,
    export_messages,
    localized,
    paginate,
    visible_len,
)
from handlers.questions.views import list_view, question_view

# What other code imports from handlers.questions: handlers.search (ShowGroup),
# handlers.appointments (the answer limit, My questions, the PDF, the visit, a parent's
# question), scripts/bench.py (SaveGroupQuestion), the tests (limits, pages, views, export).
__all__ = [
    "COMMANDS",
    "LABEL",
    "MAX_ANSWER",
    "MAX_OWN",
    "MAX_QUESTIONS",
    "PER_PAGE",
    "PURGE_JOB",
    "MyQuestions",
    "SaveGroupQuestion",
    "SendPdf",
    "ShowGroup",
    "VisitQuestion",
    "export_messages",
    "list_view",
    "localized",
    "own_question",
    "page_extras",
    "paginate",
    "question_view",
    "setup",
    "visible_len",
]

COMMANDS = (Command("myquestions", "help.commands.myquestions", list_questions),)


def page_extras(
    content: Content, section: Section, part: Part | None, page: int
) -> Sequence[Sequence[Button]]:
    """The questions section opens the question lists; other sections with linked questions
    offer "Questions about this"."""
    s = content.strings
    if section.opens == "questions":
        return [[button(s("page.open_questions"), ShowGroups())]]
    if section.opens is None and content.questions_about(section.id):
        return [[button(s("page.questions_about"), ShowAbout(section.id))]]
    return []


def setup(app: BotApp) -> None:
    """Wire the feature in: the questions section's own commands (/questions), every button,
    the two prompts, the purge job, the buttons under guide pages and the two home-menu
    buttons (/myquestions comes from COMMANDS)."""
    services = services_of(app)
    content = services.content
    section = content.section_for("questions")
    if section is not None:
        app.add_handler(
            CommandHandler(section_commands(services.contents, section.id), show_groups, filters=PRIVATE)
        )
    tap(app, ShowGroups, tap_groups)
    tap(app, ShowGroup, tap_group)
    tap(app, SaveGroupQuestion, toggle_group_question)
    tap(app, ShowAbout, tap_about)
    tap(app, SaveAboutQuestion, toggle_about_question)
    tap(app, MyQuestions, tap_list)
    tap(app, OpenQuestion, open_question)
    tap(app, MarkAsked, mark_question)
    tap(app, AskAnswer, ask_answer)
    tap(app, RemoveQuestion, remove_question)
    tap(app, UndoRemove, undo_remove)
    tap(app, AskOwnQuestion, ask_own_question)
    tap(app, SendPdf, send_pdf)
    tap(app, SendText, send_text)
    on_prompt(app, QUESTION)
    on_prompt(app, ANSWER)
    at_start_and_every(app, purge_removed_questions, PURGE_EVERY, PURGE_JOB)
    services.page_extras.append(page_extras)
    menu_button(app, "menu.questions", ShowGroups())
    menu_button(app, "menu.myquestions", MyQuestions(0))
