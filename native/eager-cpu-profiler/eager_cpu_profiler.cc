// V8's CPU profiler with eager code logging, for in-process profiles of agents and the engine.
//
// node:inspector's Profiler.start creates its CpuProfiler in lazy logging mode: each start walks
// the whole heap (three times) to log every code object, a stall of about 1.5 ms per MB of heap on
// the main thread (25 ms with the agent SDK loaded, 70 ms and more with a larger heap). Created in
// eager mode, the profiler keeps its code map up to date from the moment it exists: the walk is
// paid once, at `init`, and each start only launches the sampler thread.
//
// The API, one profiler per Node environment (main thread or worker):
//   init()                      creates the profiler (the one heap walk)
//   start(intervalUs) -> id     starts a profile with samples, at that interval (one at a time)
//   stop(id) -> columns         stops it and returns its tree and samples as flat columns
//   dispose()                   disposes the profiler (also done when the environment ends)
// Columns: ids, parents (index of the parent node, -1 for the root), scriptIds, lines, columns
// (1-based, 0 when unknown), hitCounts, names, urls, deopts (arrays of strings), tickNodes,
// tickLines, tickCounts (line ticks: node index, 1-based line, hits), samples (node ids),
// timestamps (µs, the same clock as startTime and endTime), startTime, endTime.
#include "addon.h"

#include <node.h>
#include <v8-profiler.h>

#include <cstring>
#include <vector>

namespace {

using v8::Array;
using v8::Context;
using v8::CpuProfile;
using v8::CpuProfileNode;
using v8::CpuProfiler;
using v8::Float64Array;
using v8::FunctionCallbackInfo;
using v8::Int32Array;
using v8::Isolate;
using v8::Local;
using v8::Number;
using v8::Object;
using v8::String;
using v8::Uint32Array;
using v8::Value;

struct State {
  Isolate* isolate = nullptr;
  CpuProfiler* profiler = nullptr;
  // Profiles started and not yet stopped: V8 lets several run, but the sampling interval may only
  // change when none does, so this addon allows one at a time.
  int running = 0;
  v8::ProfilerId current = 0;
};

void Throw(Isolate* isolate, const char* message) {
  isolate->ThrowException(v8::Exception::Error(String::NewFromUtf8(isolate, message).ToLocalChecked()));
}

void Init(const FunctionCallbackInfo<Value>& info) {
  State* s = addon::StateOf<State>(info);
  if (s->profiler == nullptr) {
    s->profiler = CpuProfiler::New(s->isolate, v8::kDebugNaming, v8::kEagerLogging);
  }
}

// Stops a profile still running (disposing the profiler under a running one aborts the process),
// then disposes the profiler.
void Dispose(State* s) {
  if (s->profiler != nullptr) {
    if (s->running > 0) {
      CpuProfile* left = s->profiler->Stop(s->current);
      if (left != nullptr) left->Delete();
    }
    s->profiler->Dispose();
    s->profiler = nullptr;
  }
  s->running = 0;
}

void DisposeCall(const FunctionCallbackInfo<Value>& info) { Dispose(addon::StateOf<State>(info)); }

void Start(const FunctionCallbackInfo<Value>& info) {
  State* s = addon::StateOf<State>(info);
  Isolate* isolate = info.GetIsolate();
  if (s->profiler == nullptr) return Throw(isolate, "the profiler is not initialised");
  if (info.Length() < 1 || !info[0]->IsInt32() || info[0].As<v8::Int32>()->Value() <= 0) {
    return Throw(isolate, "start(intervalUs): a positive integer is required");
  }
  if (s->running > 0) return Throw(isolate, "a CPU profile is already running; stop it first");
  s->profiler->SetSamplingInterval(info[0].As<v8::Int32>()->Value());
  v8::CpuProfilingResult r = s->profiler->Start(String::Empty(isolate), v8::kLeafNodeLineNumbers, true);
  if (r.status != v8::CpuProfilingStatus::kStarted) return Throw(isolate, "V8 refused to start a CPU profile");
  s->running++;
  s->current = r.id;
  info.GetReturnValue().Set(Number::New(isolate, r.id));
}

template <typename T, typename A>
Local<A> TypedArrayOf(Isolate* isolate, const std::vector<T>& v) {
  Local<v8::ArrayBuffer> buf = v8::ArrayBuffer::New(isolate, v.size() * sizeof(T));
  if (!v.empty()) memcpy(buf->Data(), v.data(), v.size() * sizeof(T));
  return A::New(buf, 0, v.size());
}

struct Columns {
  std::vector<uint32_t> ids, hit_counts;
  std::vector<int32_t> parents, script_ids, lines, columns, tick_nodes, tick_lines, tick_counts;
  std::vector<Local<Value>> names, urls, deopts;
};

void Collect(Isolate* isolate, const CpuProfileNode* node, int32_t parent, Columns& c) {
  int32_t index = static_cast<int32_t>(c.ids.size());
  c.ids.push_back(node->GetNodeId());
  c.parents.push_back(parent);
  c.script_ids.push_back(node->GetScriptId());
  c.lines.push_back(node->GetLineNumber());
  c.columns.push_back(node->GetColumnNumber());
  c.hit_counts.push_back(node->GetHitCount());
  c.names.push_back(node->GetFunctionName());
  c.urls.push_back(node->GetScriptResourceName());
  c.deopts.push_back(String::NewFromUtf8(isolate, node->GetBailoutReason()).ToLocalChecked());
  unsigned line_count = node->GetHitLineCount();
  if (line_count > 0) {
    std::vector<CpuProfileNode::LineTick> ticks(line_count);
    if (node->GetLineTicks(ticks.data(), line_count)) {
      for (const auto& t : ticks) {
        c.tick_nodes.push_back(index);
        c.tick_lines.push_back(t.line);
        c.tick_counts.push_back(static_cast<int32_t>(t.hit_count));
      }
    }
  }
  int n = node->GetChildrenCount();
  for (int i = 0; i < n; i++) Collect(isolate, node->GetChild(i), index, c);
}

Local<Array> ArrayOf(Isolate* isolate, std::vector<Local<Value>>& v) {
  return Array::New(isolate, v.data(), v.size());
}

void Stop(const FunctionCallbackInfo<Value>& info) {
  State* s = addon::StateOf<State>(info);
  Isolate* isolate = info.GetIsolate();
  if (s->profiler == nullptr) return Throw(isolate, "the profiler is not initialised");
  if (info.Length() < 1 || !info[0]->IsUint32()) return Throw(isolate, "stop(id): the id start returned is required");
  CpuProfile* profile = s->profiler->Stop(info[0].As<v8::Uint32>()->Value());
  if (profile == nullptr) return Throw(isolate, "no CPU profile is running with that id");
  s->running--;
  Local<Context> context = isolate->GetCurrentContext();
  Columns c;
  Collect(isolate, profile->GetTopDownRoot(), -1, c);
  int count = profile->GetSamplesCount();
  std::vector<uint32_t> samples(count);
  std::vector<double> timestamps(count);
  for (int i = 0; i < count; i++) {
    samples[i] = profile->GetSample(i)->GetNodeId();
    timestamps[i] = static_cast<double>(profile->GetSampleTimestamp(i));
  }
  Local<Object> out = Object::New(isolate);
  auto set = [&](const char* key, Local<Value> value) {
    out->Set(context, String::NewFromUtf8(isolate, key).ToLocalChecked(), value).Check();
  };
  set("ids", TypedArrayOf<uint32_t, Uint32Array>(isolate, c.ids));
  set("parents", TypedArrayOf<int32_t, Int32Array>(isolate, c.parents));
  set("scriptIds", TypedArrayOf<int32_t, Int32Array>(isolate, c.script_ids));
  set("lines", TypedArrayOf<int32_t, Int32Array>(isolate, c.lines));
  set("columns", TypedArrayOf<int32_t, Int32Array>(isolate, c.columns));
  set("hitCounts", TypedArrayOf<uint32_t, Uint32Array>(isolate, c.hit_counts));
  set("names", ArrayOf(isolate, c.names));
  set("urls", ArrayOf(isolate, c.urls));
  set("deopts", ArrayOf(isolate, c.deopts));
  set("tickNodes", TypedArrayOf<int32_t, Int32Array>(isolate, c.tick_nodes));
  set("tickLines", TypedArrayOf<int32_t, Int32Array>(isolate, c.tick_lines));
  set("tickCounts", TypedArrayOf<int32_t, Int32Array>(isolate, c.tick_counts));
  set("samples", TypedArrayOf<uint32_t, Uint32Array>(isolate, samples));
  set("timestamps", TypedArrayOf<double, Float64Array>(isolate, timestamps));
  set("startTime", Number::New(isolate, static_cast<double>(profile->GetStartTime())));
  set("endTime", Number::New(isolate, static_cast<double>(profile->GetEndTime())));
  profile->Delete();
  info.GetReturnValue().Set(out);
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  addon::ExportWithState<State, Dispose>(exports, context, {{"init", Init}, {"start", Start}, {"stop", Stop}, {"dispose", DisposeCall}});
}
