"""Generate mockserver request-body JSON Schemas (draft 2020-12) from Telnyx's OpenAPI spec.

Usage: python gen_schemas.py /work/shared/reference/telnyx-openapi.yml /work/main/schemas
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import yaml

COMMIT = "12de4dd039fd867f7a81c8ec415e6fb6477d5687"
SOURCE = f"team-telnyx/openapi openapi/spec3.yml commit {COMMIT} (2026-07-16)"

FILES = {
    "dial": ("CallRequest", "POST /calls (DialCall)"),
    "answer": ("AnswerRequest", "POST /calls/{call_control_id}/actions/answer (AnswerCall)"),
    "hangup": ("HangupRequest", "POST /calls/{call_control_id}/actions/hangup (HangupCall)"),
    "record_start": (
        "StartRecordingRequest",
        "POST /calls/{call_control_id}/actions/record_start (StartCallRecord)",
    ),
    "record_stop": (
        "StopRecordingRequest",
        "POST /calls/{call_control_id}/actions/record_stop (StopCallRecording)",
    ),
    "record_pause": (
        "PauseRecordingRequest",
        "POST /calls/{call_control_id}/actions/record_pause (PauseCallRecording)",
    ),
    "record_resume": (
        "ResumeRecordingRequest",
        "POST /calls/{call_control_id}/actions/record_resume (ResumeCallRecording)",
    ),
    # The commands around a recording (issue 7).
    "speak": ("SpeakRequest", "POST /calls/{call_control_id}/actions/speak (SpeakCall)"),
    "playback_start": (
        "PlayAudioUrlRequest",
        "POST /calls/{call_control_id}/actions/playback_start (StartCallPlayback)",
    ),
    "playback_stop": (
        "PlaybackStopRequest",
        "POST /calls/{call_control_id}/actions/playback_stop (StopCallPlayback)",
    ),
    "gather": ("GatherRequest", "POST /calls/{call_control_id}/actions/gather (GatherCall)"),
    "gather_using_speak": (
        "GatherUsingSpeakRequest",
        "POST /calls/{call_control_id}/actions/gather_using_speak (GatherUsingSpeak)",
    ),
    "gather_stop": (
        "StopGatherRequest",
        "POST /calls/{call_control_id}/actions/gather_stop (StopCallGather)",
    ),
    "send_dtmf": ("SendDTMFRequest", "POST /calls/{call_control_id}/actions/send_dtmf (SendDTMF)"),
    "reject": ("RejectRequest", "POST /calls/{call_control_id}/actions/reject (RejectCall)"),
    "transcription_start": (
        "TranscriptionStartRequest",
        "POST /calls/{call_control_id}/actions/transcription_start (StartCallTranscription)",
    ),
    "transcription_stop": (
        "TranscriptionStopRequest",
        "POST /calls/{call_control_id}/actions/transcription_stop (StopCallTranscription)",
    ),
    # Two-party calls (issue 16): bridge, transfer and conferences.
    "bridge": ("BridgeRequest", "POST /calls/{call_control_id}/actions/bridge (BridgeCall)"),
    "transfer": (
        "TransferCallRequest",
        "POST /calls/{call_control_id}/actions/transfer (TransferCall)",
    ),
    "conference_create": ("CreateConferenceRequest", "POST /conferences (CreateConference)"),
    "conference_join": (
        "JoinConferenceRequest",
        "POST /conferences/{id}/actions/join (JoinConference)",
    ),
    "conference_leave": (
        "LeaveConferenceRequest",
        "POST /conferences/{id}/actions/leave (LeaveConference)",
    ),
    "conference_hold": (
        "ConferenceHoldRequest",
        "POST /conferences/{id}/actions/hold (HoldConferenceParticipants)",
    ),
    "conference_unhold": (
        "ConferenceUnholdRequest",
        "POST /conferences/{id}/actions/unhold (UnholdConferenceParticipants)",
    ),
    "conference_mute": (
        "ConferenceMuteRequest",
        "POST /conferences/{id}/actions/mute (MuteConferenceParticipants)",
    ),
    "conference_unmute": (
        "ConferenceUnmuteRequest",
        "POST /conferences/{id}/actions/unmute (UnmuteConferenceParticipants)",
    ),
    "conference_end": ("EndConferenceRequest", "POST /conferences/{id}/actions/end (EndConference)"),
    "conference_record_start": (
        "StartConferenceRecordingRequest",
        "POST /conferences/{id}/actions/record_start (StartConferenceRecording)",
    ),
    "conference_record_stop": (
        "StopRecordingConferenceRequest",
        "POST /conferences/{id}/actions/record_stop (StopConferenceRecording)",
    ),
    "conference_record_pause": (
        "PauseConferenceRecordingRequest",
        "POST /conferences/{id}/actions/record_pause (PauseConferenceRecording)",
    ),
    "conference_record_resume": (
        "ResumeConferenceRecordingRequest",
        "POST /conferences/{id}/actions/record_resume (ResumeConferenceRecording)",
    ),
}

# Files that get minimum/maximum/maxLength from description text (named in their header).
DESCRIPTION_LIMITS = {"dial", "answer", "record_start", "speak", "gather", "gather_using_speak",
                      "send_dtmf", "bridge", "transfer", "conference_create"}

# keywords whose value is a single subschema
SUB_ONE = {"items", "not", "contains", "propertyNames", "if", "then", "else", "unevaluatedItems",
           "unevaluatedProperties", "additionalItems"}
# keywords whose value is a list of subschemas
SUB_LIST = {"oneOf", "anyOf", "allOf", "prefixItems"}
# keywords whose value is a map name -> subschema
SUB_MAP = {"properties", "patternProperties", "dependentSchemas", "$defs"}
# OpenAPI-only keywords dropped
DROP = {"example", "examples", "discriminator", "xml", "externalDocs", "nullable"}

DESC_RANGE = "$comment"

E164 = r"\+[1-9][0-9]{1,14}"
SIP = r"sips?:\S+"
DTMF = r"[0-9A-DwW*#]{1,64}"


def ref_name(ref: str) -> str:
    assert ref.startswith("#/components/schemas/"), ref
    return ref.rsplit("/", 1)[1]


class Converter:
    def __init__(self, components: dict):
        self.components = components
        self.used: dict[str, dict] = {}

    def branch_requires_const(self, sub: dict, prop: str) -> bool:
        if "$ref" in sub:
            sub = self.components[ref_name(sub["$ref"])]
        p = sub.get("properties", {}).get(prop, {})
        return prop in sub.get("required", []) and ("const" in p or len(p.get("enum", [])) == 1)

    def conv(self, s):
        if isinstance(s, bool):
            return s
        assert isinstance(s, dict), s
        out = {}
        for k, v in s.items():
            if k in DROP or k.startswith("x-"):
                continue
            if k == "$ref":
                name = ref_name(v)
                if name not in self.used:
                    self.used[name] = None  # placeholder, avoids infinite recursion
                    self.used[name] = self.conv(self.components[name])
                out["$ref"] = f"#/$defs/{name}"
            elif k in SUB_ONE or (k == "additionalProperties" and isinstance(v, dict)):
                out[k] = self.conv(v)
            elif k in SUB_LIST:
                out[k] = [self.conv(x) for x in v]
            elif k in SUB_MAP:
                out[k] = {n: self.conv(x) for n, x in v.items()}
            else:
                out[k] = copy.deepcopy(v)
        if s.get("nullable") is True:
            t = out.get("type")
            if isinstance(t, str):
                out["type"] = [t, "null"]
            elif isinstance(t, list) and "null" not in t:
                out["type"] = [*t, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        disc = s.get("discriminator")
        if disc and "oneOf" in s:
            prop = disc["propertyName"]
            if not all(self.branch_requires_const(b, prop) for b in s["oneOf"]):
                # OpenAPI selects the branch by the discriminator value; JSON Schema oneOf would
                # reject bodies matching several branches (e.g. the discriminator omitted), which the
                # discriminator semantics never do. Every branch pins `prop` to one enum value, so
                # anyOf still forces the mapped branch whenever `prop` is present.
                out["anyOf"] = out.pop("oneOf")
                out["$comment"] = (
                    f"OpenAPI oneOf with discriminator '{prop}' translated to anyOf: branches do not "
                    f"all require '{prop}', so plain oneOf would reject bodies Telnyx accepts. Each "
                    f"branch pins '{prop}' to a single enum value, so a present '{prop}' still "
                    "selects exactly its branch."
                )
        return out


def inline_single_use(schema: dict) -> dict:
    """Inline every $defs entry referenced exactly once; repeat until stable."""
    while True:
        defs = schema.get("$defs", {})
        counts = dict.fromkeys(defs, 0)

        def count(o):
            if isinstance(o, dict):
                r = o.get("$ref")
                if isinstance(r, str) and r.startswith("#/$defs/"):
                    counts[r.split("/")[-1]] += 1
                for k, x in o.items():
                    if k in ("enum", "default", "const", "x-telnyx-error"):
                        continue
                    count(x)
            elif isinstance(o, list):
                for x in o:
                    count(x)

        count(schema)
        single = {n for n, c in counts.items() if c <= 1}
        if not single:
            return schema

        def repl(o):
            if isinstance(o, dict):
                r = o.get("$ref")
                if isinstance(r, str) and r.startswith("#/$defs/") and r.split("/")[-1] in single:
                    target = copy.deepcopy(defs[r.split("/")[-1]])
                    rest = {k: v for k, v in o.items() if k != "$ref"}
                    target.update(rest)
                    return repl(target)
                return {
                    k: (x if k in ("enum", "default", "const") else repl(x)) for k, x in o.items()
                }
            if isinstance(o, list):
                return [repl(x) for x in o]
            return o

        new_defs = {n: d for n, d in defs.items() if n not in single}
        body = {k: v for k, v in schema.items() if k != "$defs"}
        body = repl(body)
        new_defs = {n: repl(d) for n, d in new_defs.items()}
        if new_defs:
            body["$defs"] = new_defs
        schema = body


def walk_props(o, fn, path=()):
    """Call fn(name, prop_schema, path) for every property schema at any depth."""
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("enum", "default", "const"):
                continue
            if k == "properties" and isinstance(v, dict):
                for n, ps in v.items():
                    fn(n, ps, path + (n,))
                    walk_props(ps, fn, path + (n,))
            else:
                walk_props(v, fn, path + (k,))
    elif isinstance(o, list):
        for x in o:
            walk_props(x, fn, path)


def set_range(props: dict, name: str, minimum=None, maximum=None, why: str = ""):
    p = props[name]
    assert p.get("type") == "integer", (name, p)
    assert "minimum" not in p and "maximum" not in p, (name, p)
    if minimum is not None:
        p["minimum"] = minimum
    if maximum is not None:
        p["maximum"] = maximum
    p["$comment"] = f"minimum/maximum enforced by mockserver; the spec states them only in the description: {why!r}"


def set_max_length(props: dict, name: str, maximum: int, why: str):
    p = props[name]
    assert p.get("type") == "string", (name, p)
    assert "maxLength" not in p, (name, p)
    assert why in p["description"], (name, why)
    p["maxLength"] = maximum
    p["$comment"] = f"maxLength enforced by mockserver; the spec states it only in the description: {why!r}"


def patch(fname: str, sch: dict) -> None:
    props = sch["properties"]

    # client_state: strict padded Base64 everywhere (format checker "base64" registered by validator)
    def b64(name, ps, path):
        if name == "client_state":
            assert ps.get("type") == "string", ps
            ps["format"] = "base64"

    walk_props(sch, b64)

    if fname in ("dial", "answer", "bridge", "transfer"):
        set_range(props, "record_max_length", 0, 43200,
                  "The minimum value is 0. The maximum value is 43200.")
        set_range(props, "record_timeout_secs", 0, None, "The minimum value is 0.")
    if fname == "conference_create":
        set_range(props, "max_participants", 2, 800, "Must be between 2 and 800.")
    if fname in ("dial", "transfer"):
        set_range(props, "timeout_secs", 5, 600,
                  "Minimum value is 5 seconds. Maximum value is 600 seconds.")
        assert props["timeout_secs"]["default"] == 30
    if fname == "dial":
        tl = props["time_limit_secs"]
        assert (tl["minimum"], tl["maximum"], tl["default"]) == (30, 14400, 14400)

        frm = props["from"]
        frm["pattern"] = f"^{E164}$"
        frm["x-telnyx-error"] = {
            "code": "10016",
            "title": "Phone number must be in +E164 format",
            "detail": "The 'from' parameter must be in E164 format.",
        }
        to = props["to"]
        s_branch, a_branch = to["oneOf"]
        assert s_branch["type"] == "string" and a_branch["type"] == "array"
        s_branch["pattern"] = f"^(?:{E164}(?:,{DTMF})?|{SIP})$"
        s_branch["$comment"] = (
            "E.164 number, optionally followed by ',<DTMF digits>' (send after answer), or a SIP URI."
        )
        a_branch["minItems"] = 1
        a_branch["items"]["pattern"] = f"^(?:{E164}|{SIP})$"
        a_branch["$comment"] = (
            "Each item is an E.164 number or a SIP URI; the ',<DTMF digits>' shorthand is "
            "'not supported when `to` is an array' (spec description)."
        )
        to["x-telnyx-error"] = {
            "code": "10016",
            "title": "Phone number must be in +E164 format",
            "detail": "The 'to' parameter must be in E164 format.",
        }
    if fname == "record_start":
        set_range(props, "max_length", 0, 14400,
                  "The minimum value is 0. The maximum value is 14400.")
        set_range(props, "timeout_secs", 0, None, "The minimum value is 0.")
        tl = props["transcription_language"]
        assert tl.get("default") == "en-US" and len(tl["enum"]) == 245, tl.get("default")
        tl["$comment"] = (
            "Current spec (2026-07) flat enum TranscriptionLanguage (245 values). SPEC-2026-01 used a "
            "oneOf discriminated by transcription_engine; PY-SDK 4.189.0 types the flat enum."
        )
        for f in ("format", "channels"):
            assert f in sch["required"]
    if fname in ("record_stop", "record_pause", "record_resume"):
        assert props["recording_id"]["format"] == "uuid"
    if fname in ("speak", "gather_using_speak"):
        set_max_length(props, "payload", 3000, "There is a 3,000 character limit.")
        for f in ("payload", "voice"):
            assert f in sch["required"]
    if fname == "gather_using_speak":
        set_max_length(props, "invalid_payload", 3000, "There is a 3,000 character limit.")
    if fname in ("gather", "gather_using_speak"):
        set_range(props, "maximum_digits", None, 128, "This parameter has a maximum value of 128.")
        set_range(props, "minimum_digits", 1, None, "This parameter has a minimum value of 1.")
    if fname == "send_dtmf":
        set_range(props, "duration_millis", 100, 500, "Ranges from 100 to 500ms")
        digits = props["digits"]
        assert "Valid digits are 0-9, A-D, *, and #. Pauses can be added using w (0.5s) and W (1s)." in digits["description"]
        digits["pattern"] = "^[0-9A-DwW*#]+$"
        digits["$comment"] = (
            "pattern enforced by mockserver from the description: 'Valid digits are 0-9, A-D, *, "
            "and #. Pauses can be added using w (0.5s) and W (1s).'"
        )


def main(spec_path: str, out_dir: str) -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(spec_path, encoding="utf-8") as fh:
        spec = yaml.load(fh, Loader=loader)
    components = spec["components"]["schemas"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for fname, (comp, op) in FILES.items():
        c = Converter(components)
        body = c.conv(components[comp])
        spec_title = body.pop("title", None)
        spec_desc = body.pop("description", None)
        assert body.get("type") == "object"
        desc = (
            f"Request body of {op}. Source: {SOURCE}, component {comp}"
            + (f" (spec title '{spec_title}')" if spec_title else "")
            + ". Translated from OpenAPI 3.1 to JSON Schema 2020-12: $refs inlined (or kept in "
            "local $defs when used more than once), OpenAPI-only keywords (example, x-*, "
            "discriminator) dropped. mockserver additions: format 'base64' on every client_state"
            + (
                "; minimum/maximum that the spec states only in descriptions (each marked with "
                "$comment)"
                if fname in ("dial", "answer", "record_start")
                else "; limits (minimum/maximum, maxLength, pattern) that the spec states only in "
                "descriptions (each marked with $comment)"
                if fname in DESCRIPTION_LIMITS
                else ""
            )
            + ("; E.164/SIP patterns and x-telnyx-error on from/to" if fname == "dial" else "")
            + ". No top-level additionalProperties: Telnyx ignores unknown fields."
        )
        if spec_desc:
            desc += " Spec description: " + spec_desc
        sch = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://mockserver.local/schemas/{fname}.json",
            "title": comp,
            "description": desc,
            "type": "object",
            "required": body.pop("required", []),
            "properties": body.pop("properties"),
        }
        body.pop("type")
        sch.update(body)  # anything else at the top level (none expected)
        if c.used:
            sch["$defs"] = dict(sorted(c.used.items()))
        sch = inline_single_use(sch)
        patch(fname, sch)
        text = json.dumps(sch, indent=2, ensure_ascii=False) + "\n"
        (out / f"{fname}.json").write_text(text, encoding="utf-8")
        print(f"{fname}.json: {len(text)} bytes, required={sch['required']}, "
              f"defs={sorted(sch.get('$defs', {}))}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
