"""The API's documentation: /api/openapi.json for programs, /api/docs for people.

FastAPI builds the OpenAPI document from the routes and `bot.schema`'s models (app.py
gives it `openapi_url=OPENAPI_URL` and `openapi_info()`). /api/docs is a reference page
rendered on the server from that same document, in bokmål: every route with its request
and reply fields, examples and status codes, then every schema. It runs no script and
loads nothing from elsewhere (Swagger UI would come from a CDN, in English, as a script
application); its stylesheet is inlined and allowed by its hash, like bot.pages's.
The old address /openapi.json redirects to the new one.

The page's own words are data (bot/data/api_docs.toml). It documents; it does not
validate requests or answer them.
"""

from __future__ import annotations

import html
import json
import re
import tomllib
from collections.abc import Sequence
from functools import cache
from importlib import metadata
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .pages import content_security_policy

OPENAPI_URL = "/api/openapi.json"
DOCS_URL = "/api/docs"
OLD_OPENAPI_URL = "/openapi.json"
WORDS = Path(__file__).with_name("data") / "api_docs.toml"
SCHEMAS = "#/components/schemas/"
METHODS = ("get", "post")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([A-Za-z0-9./_-]+)\)")  # relative links only


@cache
def words() -> dict:
    return tomllib.loads(WORDS.read_text(encoding="utf-8"))


def openapi_info() -> dict:
    """FastAPI's title, description and version of the API."""
    try:
        version = metadata.version("trd30-boten")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = "0.0.0"
    return {"title": words()["title"], "description": words()["description"].strip(),
            "version": version}  # fmt: skip


def api_docs_router(css: str = "", frame_ancestors: Sequence[str] = ()) -> APIRouter:
    """GET /api/docs (the page, with `css` inlined) and the redirect from /openapi.json."""
    router = APIRouter()
    policy = content_security_policy(css, frame_ancestors)

    @router.api_route(DOCS_URL, methods=["GET", "HEAD"], include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        page = render_docs(request.app.openapi(), css)
        return HTMLResponse(page, headers={"content-language": "nb",
                                           "content-security-policy": policy,
                                           "cache-control": "no-cache"})  # fmt: skip

    @router.get(OLD_OPENAPI_URL, include_in_schema=False)
    def old_openapi() -> RedirectResponse:  # relative: right under any root path too
        return RedirectResponse(OPENAPI_URL.lstrip("/"), status_code=308)

    return router


def render_docs(spec: dict, css: str = "") -> str:
    """The whole reference page for the OpenAPI document `spec`."""
    w = words()
    schemas = spec.get("components", {}).get("schemas", {})
    operations = [(path, method, item[method]) for path, item in spec.get("paths", {}).items()
                  for method in METHODS if method in item]  # fmt: skip
    contents = "".join(f'<li><a href="#{_anchor(m, p)}">{m.upper()} {_e(p)}</a> – '
                       f"{_e(op.get('summary', ''))}</li>" for p, m, op in operations)  # fmt: skip
    contents += (f'<li><a href="#gradio">{_e(w["gradio_heading"])}</a></li>'
                 f'<li><a href="#skjemaer">{_e(w["schemas"])}</a></li>')  # fmt: skip
    body = [f'<p class="ingress">{_text(w["lead"])}</p>', f"<p>{_text(w['machine'])}</p>",
            f"<p>{_text(w['errors_note'])}</p>",
            f'<nav aria-labelledby="innhold-tittel"><h2 id="innhold-tittel">{_e(w["contents"])}'
            f"</h2><ul class=\"innholdsliste\">{contents}</ul></nav>"]  # fmt: skip
    body += [_operation(path, method, op, schemas) for path, method, op in operations]
    body.append(f'<section aria-labelledby="gradio"><h2 id="gradio">{_e(w["gradio_heading"])}'
                f"</h2><p>{_text(w['gradio_text'])}</p>"
                f'<pre><code>{_e(w["gradio_example"].strip())}</code></pre></section>')  # fmt: skip
    listed = "".join(_schema(name, schema, schemas) for name, schema in sorted(schemas.items()))
    body.append(f'<section aria-labelledby="skjemaer"><h2 id="skjemaer">{_e(w["schemas"])}</h2>'
                f"<p>{_e(w['schemas_lead'])}</p>{listed}</section>")  # fmt: skip
    title = w["page_title"]
    return (
        '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)} – TRD3.0-boten</title>"
        f'<link rel="icon" href="data:,"><style>{css}</style></head><body>'
        f'<a class="hopp" href="#innhold">{_e(w["skip"])}</a>'
        '<header class="topp"><div class="innhold-bredde">'
        f'<p class="tjeneste"><a href="../">TRD3.0-boten</a></p></div></header>'
        '<main id="innhold" tabindex="-1" class="innhold-bredde api-dok">'
        f"<h1>{_e(title)}</h1>{''.join(body)}</main></body></html>"
    )


def _operation(path: str, method: str, op: dict, schemas: dict) -> str:
    w = words()
    anchor = _anchor(method, path)
    out = [f'<section aria-labelledby="{anchor}"><h2 id="{anchor}">'
           f'<span class="metode">{method.upper()}</span> <code>{_e(path)}</code> – '
           f"{_e(op.get('summary', ''))}</h2>"]  # fmt: skip
    if op.get("description"):
        out.append(f"<p>{_text(op['description'])}</p>")
    out.append(f"<h3>{_e(w['request'])}</h3>")
    body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
    name = _ref_name(body.get("schema", {}))
    if name:
        out.append(f"<p>{_schema_link(name)}</p>{_fields(schemas.get(name, {}), schemas)}")
        out.append(_example(schemas.get(name, {}), schemas))
    else:
        out.append(f"<p>{_e(w['no_body'])}</p>")
    responses = op.get("responses", {})
    ok = responses.get("200", {}).get("content", {}).get("application/json", {})
    reply = _ref_name(ok.get("schema", {}))
    if reply:
        out.append(f"<h3>{_e(w['response'])} (200)</h3>")
        out.append(f"<p>{_schema_link(reply)}</p>{_fields(schemas.get(reply, {}), schemas)}")
        out.append(_example(schemas.get(reply, {}), schemas))
    out.append(_status_codes(responses, f"{anchor}-koder"))
    return "".join(out) + "</section>"


def _status_codes(responses: dict, anchor: str) -> str:
    items = []
    for code, response in sorted(responses.items()):
        examples = response.get("content", {}).get("application/json", {}).get("examples", {})
        said = "".join(f"<br><code>{_e(json.dumps(e.get('value'), ensure_ascii=False))}</code>"
                       for e in examples.values())  # fmt: skip
        items.append(f"<dt>{_e(code)}</dt><dd>{_text(response.get('description', ''))}{said}</dd>")
    return (f'<h3 id="{anchor}">{_e(words()["status_codes"])}</h3>'
            f'<dl class="felter">{"".join(items)}</dl>')  # fmt: skip


def _schema(name: str, schema: dict, schemas: dict) -> str:
    description = schema.get("description", "")
    return (f'<section aria-labelledby="skjema-{_e(name)}"><h3 id="skjema-{_e(name)}">'
            f"<code>{_e(name)}</code></h3>{f'<p>{_text(description)}</p>' if description else ''}"
            f"{_fields(schema, schemas)}</section>")  # fmt: skip


def _fields(schema: dict, schemas: dict) -> str:
    """The fields of an object schema: name, type, whether required, meaning, limits."""
    w = words()
    required = set(schema.get("required", []))
    items = [f'<dt><code>{_e(field)}</code> <span class="type">{_type(prop)}, '
             f"{_e(w['required'] if field in required else w['optional'])}</span></dt>"
             f"<dd>{_text(prop.get('description', ''))}{_limits(prop)}</dd>"
             for field, prop in schema.get("properties", {}).items()]  # fmt: skip
    return f'<dl class="felter">{"".join(items)}</dl>' if items else ""


def _example(schema: dict, schemas: dict) -> str:
    examples = schema.get("examples") or []
    if not examples:
        return ""
    text = json.dumps(_in_order(examples[0], schema, schemas), ensure_ascii=False, indent=2)
    return f"<h4>{_e(words()['example'])}</h4><pre><code>{_e(text)}</code></pre>"


def _in_order(value, schema: dict, schemas: dict):
    """An example with its fields in the schema's order (the document sorts them)."""
    schema = schemas.get(_ref_name(schema), schema)
    if isinstance(value, list):
        return [_in_order(v, schema.get("items", {}), schemas) for v in value]
    if not isinstance(value, dict):
        return value
    props = schema.get("properties", {})
    order = [k for k in props if k in value] + [k for k in value if k not in props]
    return {k: _in_order(value[k], _one(props.get(k, {})), schemas) for k in order}


def _one(prop: dict) -> dict:
    """A field's schema without its `| None`."""
    kinds = [k for k in prop.get("anyOf", [prop]) if k.get("type") != "null"]
    return kinds[0] if len(kinds) == 1 else prop


def _type(prop: dict) -> str:
    """A JSON schema's type in words, schemas linked."""
    w = words()
    if "$ref" in prop:
        return _schema_link(_ref_name(prop))
    if "anyOf" in prop:
        kinds = [k for k in prop["anyOf"] if k.get("type") != "null"]
        shown = " | ".join(_type(k) for k in kinds)
        if len(kinds) < len(prop["anyOf"]):
            return _e(w["or_null"]).replace("{type}", shown)
        return shown
    if "enum" in prop or "const" in prop:
        values = prop.get("enum", [prop.get("const")])
        listed = ", ".join(f"<code>{_e(json.dumps(v, ensure_ascii=False))}</code>" for v in values)
        return listed if len(values) == 1 else _e(w["one_of"]).replace("{values}", listed)
    kind = prop.get("type", "")
    if kind == "array":
        return _e(w["list_of"]).replace("{type}", _type(prop.get("items", {})))
    return _e(w["types"].get(kind, kind))


def _limits(prop: dict) -> str:
    """The limits and default of a field, in words ("" when it has none)."""
    w = words()
    found = []
    for schema in [prop, *prop.get("anyOf", [])]:
        for key in ("maxLength", "minimum", "maximum"):
            if key in schema:
                name = {"maxLength": "max_length"}.get(key, key)
                found.append(w[name].format(value=_number(schema[key])))
        if "maxItems" in schema:
            found.append(w["max_items"].format(value=_number(schema["maxItems"])))
    if "default" in prop and prop["default"] not in ([], None):
        found.append(w["default"].format(value=json.dumps(prop["default"], ensure_ascii=False)))
    if not found:
        return ""
    return f' <span class="grenser">({_e(w["limits"]).lower()}: {_e(", ".join(found))})</span>'


def _number(value) -> str:
    """A number as bokmål writes it: 100 000, 0,5."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = f"{value:,}".replace(",", "\u00a0") if isinstance(value, int) else str(value)
    return text.replace(".", ",")


def _schema_link(name: str) -> str:
    return f'<a href="#skjema-{_e(name)}"><code>{_e(name)}</code></a>'


def _ref_name(schema: dict) -> str:
    ref = schema.get("$ref", "")
    return ref[len(SCHEMAS) :] if ref.startswith(SCHEMAS) else ""


def _anchor(method: str, path: str) -> str:
    return f"{method}-{re.sub(r'[^a-z0-9]+', '-', path.lower()).strip('-')}"


def _e(value) -> str:
    return html.escape(str(value))


def _text(text: str) -> str:
    """A line of documentation as HTML: escaped, `code` and relative [links] made."""
    escaped = html.escape(text or "", quote=False)
    escaped = _CODE.sub(lambda m: f"<code>{m[1]}</code>", escaped)
    return _LINK.sub(lambda m: f'<a href="{html.escape(m[2])}">{m[1]}</a>', escaped)
