#!/usr/bin/env python3
"""Renders tool-calling conversations with the models' own Jinja chat templates, the way Hugging
Face transformers' apply_chat_template does (jinja2 sandbox, trim_blocks, lstrip_blocks, tojson as
json.dumps with ensure_ascii=False), into tool_templates.json: the expected prompts that
tests/engine/chat_tools_test.cpp compares shoptalk's built-in templates with, byte for byte.

  python3 tests/data/chat/render_tool_templates.py   # from the repository root; needs jinja2

Qwen3's template is read from the demo model (tokenizer.chat_template of
tools/models/shoptalk-tiny-Q4_K_M.gguf, the same text as Qwen3-0.6B's). Phi-4-mini's template is
the chat_template of its tokenizer_config.json, below. Phi-4-mini's template takes the tools as
a string in the system message's `tools` field: the script writes json.dumps of the tools (name,
description, parameters) there, in a system message with empty content when the conversation has
none. It has no field for an assistant's tool calls: a message with calls gets them in its content
as the model writes them, <|tool_call|>[{"name": ..., "arguments": ...}]<|/tool_call|>.
"""
import json
import os
import struct

import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEMO = os.path.join(ROOT, "tools", "models", "shoptalk-tiny-Q4_K_M.gguf")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tool_templates.json")

PHI4_MINI_TEMPLATE = (
    "{% for message in messages %}{% if message['role'] == 'system' and 'tools' in message and "
    "message['tools'] is not none %}{{ '<|' + message['role'] + '|>' + message['content'] + "
    "'<|tool|>' + message['tools'] + '<|/tool|>' + '<|end|>' }}{% else %}{{ '<|' + "
    "message['role'] + '|>' + message['content'] + '<|end|>' }}{% endif %}{% endfor %}{% if "
    "add_generation_prompt %}{{ '<|assistant|>' }}{% else %}{{ eos_token }}{% endif %}")


def gguf_string(path, wanted):
    """The string value of one metadata key of a GGUF file."""
    with open(path, "rb") as f:
        f.read(8)
        _, n_kv = struct.unpack("<QQ", f.read(16))
        sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}

        def read_string():
            (n,) = struct.unpack("<Q", f.read(8))
            return f.read(n).decode("utf-8")

        def skip(value_type):
            if value_type == 8:
                read_string()
            elif value_type == 9:
                item_type, count = struct.unpack("<IQ", f.read(12))
                for _ in range(count):
                    skip(item_type)
            else:
                f.read(sizes[value_type])

        for _ in range(n_kv):
            key = read_string()
            (value_type,) = struct.unpack("<I", f.read(4))
            if key == wanted:
                return read_string()
            skip(value_type)
    raise KeyError(wanted)


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                       extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False, indent=indent)
    return env


WEATHER = {
    "name": "get_weather",
    "description": "Current weather at a place, in °C — «temps» actuel.",
    "parameters": """{"type": "object", "properties": {"city": {"type": "string", "description": "City, e.g. \\"São Paulo\\""}, "unit": {"enum": ["celsius", "fahrenheit"], "default": "celsius"}}, "required": ["city"], "additionalProperties": false}""",
}
READING = {
    "name": "read_sensor",
    "description": "Reads a sensor of a machine.\nReturns the value with its unit.",
    "parameters": """{"type":"object","properties":{"sensor_id":{"type":"string","pattern":"^[a-z]+_[0-9]+$"},"window_s":{"type":"integer","minimum":1,"maximum":3600},"threshold":{"type":"number","minimum":-0.5,"maximum":1e3,"multipleOf":0.25,"examples":[1.0,2.50,1e-5,12345678901234567890,-0,1E16]},"tags":{"type":"array","items":{"type":"string"},"maxItems":4},"notify":{"type":["boolean","null"]}},"required":["sensor_id"]}""",
}
STOP = {
    "name": "stop-machine.v2",
    "description": "",
    "parameters": """{"type": "object", "properties": {}}""",
}

CALL_WEATHER = {"name": "get_weather", "arguments": """{"city": "Zürich", "unit": "celsius"}"""}
CALL_READING = {"name": "read_sensor", "arguments": """{"sensor_id": "motor_7", "window_s": 60}"""}

CASES = [
    ("system, tools and a question", [WEATHER, READING],
     [{"role": "system", "content": "You are a plant assistant."},
      {"role": "user", "content": "Weather in Zürich?"}], True, True),
    ("tools without a system message", [READING, STOP, WEATHER],
     [{"role": "user", "content": "¿Qué marca el sensor motor_7?"}], True, False),
    ("a call, its result and the next answer", [WEATHER],
     [{"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Weather in Zürich?"},
      {"role": "assistant", "content": "", "tool_calls": [CALL_WEATHER]},
      {"role": "tool", "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"}], True, True),
    ("text before two calls, two results, an answer and a new question", [WEATHER, READING],
     [{"role": "user", "content": "Check motor_7 and the weather."},
      {"role": "assistant", "content": "Checking both.", "tool_calls": [CALL_READING, CALL_WEATHER]},
      {"role": "tool", "content": "8.5 A"},
      {"role": "tool", "content": "21 °C"},
      {"role": "assistant", "content": "The motor draws 8.5 A; it is 21 °C outside."},
      {"role": "user", "content": "Thanks. Anything else?"}], True, False),
    ("a call after a think block, result, generation prompt", [READING],
     [{"role": "user", "content": "Read motor_7."},
      {"role": "assistant",
       "content": "<think>\nThe user wants a reading.\n</think>\n\n",
       "tool_calls": [CALL_READING]},
      {"role": "tool", "content": "8.5"}], True, True),
    ("tool results without tools, no generation prompt", [],
     [{"role": "user", "content": "Read motor_7."},
      {"role": "assistant", "content": "", "tool_calls": [CALL_READING]},
      {"role": "tool", "content": "8.5"},
      {"role": "assistant", "content": "It reads 8.5."}], False, True),
    ("a user message that wraps a tool response", [STOP],
     [{"role": "user", "content": "Stop it."},
      {"role": "assistant", "content": "Done."},
      {"role": "user", "content": "<tool_response>\nstopped\n</tool_response>"}], True, True),
]


def qwen3_messages(messages):
    return messages


def phi4_messages(messages, tools):
    out = []
    for m in messages:
        m = dict(m)
        calls = m.pop("tool_calls", None)
        if calls:
            m["content"] += "<|tool_call|>[" + ", ".join(
                '{"name": "%s", "arguments": %s}' % (c["name"], c["arguments"]) for c in calls
            ) + "]<|/tool_call|>"
        out.append(m)
    if tools:
        listed = json.dumps([{"name": t["name"], "description": t["description"],
                              "parameters": json.loads(t["parameters"])} for t in tools],
                            ensure_ascii=False)
        if not out or out[0]["role"] != "system":
            out.insert(0, {"role": "system", "content": ""})
        out[0]["tools"] = listed
    return out


def main():
    env = environment()
    qwen3 = env.from_string(gguf_string(DEMO, "tokenizer.chat_template"))
    phi4 = env.from_string(PHI4_MINI_TEMPLATE)
    cases = []
    for name, tools, messages, generation_prompt, thinking in CASES:
        qwen3_tools = [{"type": "function",
                        "function": {"name": t["name"], "description": t["description"],
                                     "parameters": json.loads(t["parameters"])}} for t in tools]
        kwargs = {"add_generation_prompt": generation_prompt}
        if not thinking:
            kwargs["enable_thinking"] = False
        for family, text in (
                ("qwen3", qwen3.render(messages=qwen3_messages(messages), tools=qwen3_tools or None,
                                       **kwargs)),
                ("phi4-mini", phi4.render(messages=phi4_messages(messages, tools),
                                          eos_token="<|endoftext|>", **kwargs))):
            cases.append({"name": name, "family": family, "tools": tools, "messages": messages,
                          "add_generation_prompt": generation_prompt, "enable_thinking": thinking,
                          "expected": text})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
