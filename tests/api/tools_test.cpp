// Tool calls through chat(): random-weight Qwen3 and Phi-4-mini models (made here, with their
// families' tool-call tokens) call tools whose arguments validate, the calls come back parsed, a
// tool result goes back as a "tool" message and the conversation renders as the template does
// (tests/engine/chat_tools_test.cpp checks the renderer against the Jinja templates themselves).

#include "api_helpers.h"
#include "json_oracle.h"

namespace shoptalk::test {

namespace {

const std::vector<Tool> kTools = {
    {"read_sensor", "Reads one sensor of a machine.",
     R"({"type": "object", "properties": {"sensor_id": {"type": "string", "pattern": "^[a-z]+_[0-9]+$"},
         "window_s": {"type": "integer", "minimum": 1, "maximum": 3600}},
         "required": ["sensor_id"], "additionalProperties": false})"},
    {"stop_machine", "Stops a machine safely.",
     R"({"type": "object", "properties": {"asset": {"type": "string", "maxLength": 12},
         "reason": {"enum": ["overheat", "noise", "leak", "vibración"]}},
         "required": ["asset", "reason"], "additionalProperties": false})"}};

struct Family {
  const char* name;
  const char* architecture;
  const char* open;  // the call marker
};
const Family kFamilies[] = {{"qwen3", "qwen3", "<tool_call>"},
                            {"phi4-mini", "phi3", "<|tool_call|>"}};

const Model& model_of(const Family& f) {
  static const Model qwen3 = random_chat_model("qwen3", "qwen3");
  static const Model phi4 = random_chat_model("phi3", "phi4-mini");
  return std::string(f.name) == "qwen3" ? qwen3 : phi4;
}

Token token_of(const Model& model, const char* text) {
  auto ids = model.tokenize(text, false, true);
  REQUIRE(ids);
  REQUIRE(ids->size() == 1);
  return ids->front();
}

// Temperature 1 over the whole distribution, with the closing tokens favoured so that the random
// model's strings end (see constrained_test.cpp).
GenerateOptions call_options(const Model& model, uint64_t seed) {
  GenerateOptions o;
  o.max_tokens = 600;
  o.sampling.temperature = 1.0f;
  o.sampling.top_k = 0;
  o.sampling.top_p = 1.0f;
  o.sampling.min_p = 0.0f;
  o.sampling.seed = seed;
  for (Token t = 0; t < model.info().n_vocab; ++t) {
    const auto text = model.detokenize({t});
    if (text && (*text == "\"" || *text == "}" || *text == "_" || *text == ","))
      o.sampling.logit_bias.push_back({t, *text == "," ? -4.0f : 6.0f});
    if (model.is_end_of_generation(t)) o.sampling.logit_bias.push_back({t, 6.0f});
  }
  o.tools = kTools;
  o.enable_thinking = false;
  return o;
}

void check_calls(const Generation& g, const std::string& only = "") {
  REQUIRE_FALSE(g.tool_calls.empty());
  for (const ToolCall& call : g.tool_calls) {
    INFO(call.name << " " << call.arguments);
    const Tool* tool = nullptr;
    for (const Tool& t : kTools)
      if (t.name == call.name) tool = &t;
    REQUIRE(tool);
    if (!only.empty()) CHECK(call.name == only);
    const OJson arguments = OJson::parse(call.arguments, nullptr, false);
    REQUIRE_FALSE(arguments.is_discarded());
    const OJson schema = OJson::parse(tool->parameters);
    SchemaOracle oracle(schema);
    INFO(oracle.failure());
    CHECK(oracle.valid(arguments));
  }
}

TEST_CASE(
    "tools: a required call validates, goes back with its result and renders as the "
    "template does",
    "[tools]") {
  for (const Family& f : kFamilies) {
    const Model& model = model_of(f);
    REQUIRE(model.info().chat_family == f.name);
    ChatOptions render;
    render.tools = kTools;
    render.enable_thinking = false;
    for (int seed = 1; seed <= 5; ++seed) {
      INFO(f.name << ", seed " << seed);
      Session session = new_session(model);
      const std::vector<ChatMessage> chat = {{"system", "You run the plant."},
                                             {"user", "Read motor_7 over a minute."}};
      GenerateOptions o = call_options(model, static_cast<uint64_t>(seed));
      o.tool_choice = ToolChoice::kRequired;
      auto g = session.chat(chat, o);
      REQUIRE(g);
      INFO(g->text);
      CHECK(g->stop_reason == StopReason::kEndOfGeneration);
      check_calls(*g);
      CHECK(g->text.rfind(f.open, 0) == 0);

      // The parsed calls render back to exactly the text the model wrote.
      std::vector<ChatMessage> with_text = chat, with_calls = chat;
      with_text.push_back({"assistant", g->text});
      with_calls.push_back({"assistant", "", g->tool_calls});
      for (size_t i = 0; i < g->tool_calls.size(); ++i) {
        const std::string result = "{\"value\": " + std::to_string(8 + i) + ".5}";
        with_text.push_back({"tool", result});
        with_calls.push_back({"tool", result});
      }
      auto text_prompt = model.chat_prompt(with_text, render);
      auto calls_prompt = model.chat_prompt(with_calls, render);
      REQUIRE(text_prompt);
      REQUIRE(calls_prompt);
      CHECK(*text_prompt == *calls_prompt);

      // As the template writes that conversation: the prompt before the answer, the answer in an
      // assistant turn, the results in the family's tool turn, a new assistant turn.
      ChatOptions before_answer = render;
      before_answer.add_generation_prompt = false;
      std::string expected = *model.chat_prompt(chat, before_answer);
      if (std::string(f.name) == "qwen3") {
        expected += "<|im_start|>assistant\n" + g->text + "<|im_end|>\n<|im_start|>user";
        for (size_t i = 0; i < g->tool_calls.size(); ++i)
          expected += "\n<tool_response>\n" + with_text[3 + i].content + "\n</tool_response>";
        expected += "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n";
      } else {
        expected.erase(expected.size() - std::string("<|endoftext|>").size());
        expected += "<|assistant|>" + g->text + "<|end|>";
        for (size_t i = 0; i < g->tool_calls.size(); ++i)
          expected += "<|tool|>" + with_text[3 + i].content + "<|end|>";
        expected += "<|assistant|>";
      }
      CHECK(*text_prompt == expected);

      // The next turn answers in text, reusing the conversation before the call. (The call's own
      // tokens may differ from the rendered text's tokenization.)
      GenerateOptions next = call_options(model, static_cast<uint64_t>(seed));
      next.tool_choice = ToolChoice::kNone;
      next.max_tokens = 8;
      auto answer = session.chat(with_text, next);
      REQUIRE(answer);
      CHECK(answer->tool_calls.empty());
      const auto before = model.tokenize(*model.chat_prompt(chat, before_answer), true, true);
      CHECK(answer->stats.reused_tokens >= static_cast<int>(before->size()));
    }
  }
}

TEST_CASE("tools: the model chooses between text and a call; kNone and tool_name hold", "[tools]") {
  for (const Family& f : kFamilies) {
    const Model& model = model_of(f);
    const Token open = token_of(model, f.open);
    const std::vector<ChatMessage> chat = {{"user", "Is compressor AC-03 overheating?"}};
    for (int seed = 1; seed <= 4; ++seed) {
      INFO(f.name << ", seed " << seed);
      Session session = new_session(model);
      // kAuto with the call marker pushed up: the model opens a call.
      GenerateOptions o = call_options(model, static_cast<uint64_t>(seed));
      o.sampling.logit_bias.push_back({open, 12.0f});
      auto call = session.chat(chat, o);
      REQUIRE(call);
      INFO(call->text);
      check_calls(*call);

      // kNone: not even an infinite bias brings the marker back.
      o.tool_choice = ToolChoice::kNone;
      o.sampling.logit_bias.back().second = INFINITY;
      o.max_tokens = 12;
      auto text = session.chat(chat, o);
      REQUIRE(text);
      CHECK(text->tool_calls.empty());
      CHECK(text->text.find(f.open) == std::string::npos);

      // kRequired of one tool.
      o = call_options(model, static_cast<uint64_t>(seed));
      o.tool_choice = ToolChoice::kRequired;
      o.tool_name = "stop_machine";
      auto stop = session.chat(chat, o);
      REQUIRE(stop);
      check_calls(*stop, "stop_machine");
    }
  }
}

TEST_CASE("tools: thinking comes before the call; bad tool requests are refused", "[tools]") {
  const Model& model = model_of(kFamilies[0]);
  Session session = new_session(model);
  GenerateOptions o = call_options(model, 3);
  o.tool_choice = ToolChoice::kRequired;
  o.enable_thinking = true;
  o.thinking_budget = 6;
  auto g = session.chat({{"user", "Read motor_7."}}, o);
  REQUIRE(g);
  INFO(g->text);
  CHECK(g->text.rfind("<think>", 0) == 0);
  CHECK(g->text.find("</think>\n\n<tool_call>\n{\"name\": \"") != std::string::npos);
  check_calls(*g);

  auto refused = [&](const GenerateOptions& bad, ErrorCode code, const char* what) {
    auto r = session.chat({{"user", "hi"}}, bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == code);
    CHECK_THAT(r.error().message(), Catch::Contains(what));
  };
  GenerateOptions bad = call_options(model, 1);
  bad.tool_choice = ToolChoice::kRequired;
  bad.tool_name = "start_machine";
  refused(bad, ErrorCode::kInvalidArgument, "no tool is named 'start_machine'");
  bad.tool_choice = ToolChoice::kAuto;
  refused(bad, ErrorCode::kInvalidArgument, "tool_name needs ToolChoice::kRequired");
  bad = call_options(model, 1);
  bad.tools.push_back({"read_sensor", "again", "{}"});
  refused(bad, ErrorCode::kInvalidArgument, "two tools are named 'read_sensor'");
  bad = call_options(model, 1);
  bad.tools[0].parameters = R"({"type": "object", "properties": {"a": {"type": "strin"}}})";
  refused(bad, ErrorCode::kInvalidArgument, "tool 'read_sensor': json schema: line 1, column");
  bad = call_options(model, 1);
  bad.json_schema = R"({"type": "object"})";
  refused(bad, ErrorCode::kInvalidArgument, "tools cannot be combined with a constraint");
  auto generated = session.generate("hi", call_options(model, 1));
  REQUIRE_FALSE(generated);
  CHECK_THAT(generated.error().message(), Catch::Contains("tools need chat()"));

  // The demo model's chat format is Qwen3's, but its vocabulary has no <tool_call> token.
  Session demo = new_session(demo_model());
  auto no_token = demo.chat({{"user", "hi"}}, call_options(demo_model(), 1));
  REQUIRE_FALSE(no_token);
  CHECK(no_token.error().code() == ErrorCode::kUnsupported);
}

}  // namespace

}  // namespace shoptalk::test
