"""The endpoint gradio_client calls: `/svar`, POST /api/ask's reply over Gradio's queue.

`add_answer_endpoint` registers, inside the chat's Blocks, one API-only event (no
component on the page) that takes a question and, optionally, the asker's earlier
questions, and returns the same JSON as POST /api/ask (`bot.api.ask_reply`: the same
validation, the same record of the question, the same `id`). It shares the chat's queue
and concurrency, so a client is answered in turn with the chat's askers.

Its parameters are named as in /api/ask (`question`, `history`) and typed, so
`Client(url).view_api()` shows them, and its output is labelled and described by the
AskResponse schema. The chat's own events are hidden from that view (app.py), so
`/svar` is the one endpoint listed. It does not render anything.
"""

from __future__ import annotations

from pydantic import ValidationError

from .api import AnswerFailed, ask_reply
from .records import Records
from .replies import MESSAGES
from .schema import AskRequest, AskResponse

API_NAME = "svar"
OUTPUT_LABEL = "svar"
ERROR_TITLE = "Feil"  # gradio_client shows it before the message
DESCRIPTION = ("Svar på et spørsmål om Universitetskommunen TRD3.0: samme JSON som POST "
               "/api/ask (status, answer, citations med score, evidence, id).")  # fmt: skip


def add_answer_endpoint(gr, bot, records: Records | None = None, concurrency: int = 1,
                        concurrency_id: str = "ask"):  # fmt: skip
    """Add `/svar` to the Blocks being built (call it inside `with gr.Blocks()`);
    `concurrency_id` is the chat's, so both share `concurrency`. Returns the event."""
    records = records or Records()

    def svar(question: str, history: list[str] | None = None) -> dict:
        try:
            request = AskRequest(question=question, history=history or [])
        except ValidationError as err:  # pydantic's English, with the input, stays out
            raise gr.Error(MESSAGES[422], title=ERROR_TITLE, print_exception=False) from err
        try:
            return ask_reply(bot, records, request)
        except AnswerFailed as err:
            raise gr.Error(MESSAGES[500], title=ERROR_TITLE, print_exception=False) from err

    event = gr.api(svar, api_name=API_NAME, api_description=DESCRIPTION,
                   concurrency_id=concurrency_id, concurrency_limit=concurrency)  # fmt: skip
    blocks = gr.context.get_blocks_context()
    (output,) = blocks.fns[event["id"]].outputs
    # gr.api types the output from `-> dict` alone; give it its name and its fields' types
    # (their meanings are on /api/docs: view_api() prints the schema on one line).
    output.label = OUTPUT_LABEL
    output._api_info = types_only(AskResponse.model_json_schema())
    return event


def types_only(schema):
    """A JSON schema without its descriptions, titles and examples (a field may be
    called "title": the names under "properties" and "$defs" are kept)."""
    if isinstance(schema, list):
        return [types_only(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in ("properties", "$defs"):
            out[key] = {name: types_only(sub) for name, sub in value.items()}
        elif key not in ("description", "title", "examples"):
            out[key] = types_only(value)
    return out
