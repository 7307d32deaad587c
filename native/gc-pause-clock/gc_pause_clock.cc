// A clock of the time V8 spends in garbage collection pauses, for the agent SDK's gc_pause_ms.
//
// V8 calls a prologue and an epilogue callback around every collection's pause on the thread that
// owns the isolate; this addon reads the monotonic clock in both and adds up the difference. That
// is what node:v8's GCProfiler measures as each collection's cost too, but GCProfiler also takes
// the heap's and every space's statistics before and after each collection and writes them out as
// JSON text: about a microsecond per collection in all, where this costs two clock reads.
//
// The API, one clock per Node environment (main thread or worker):
//   start()        registers the callbacks (again: nothing happens)
//   read() -> [ms, count]   pause time since the first start, in ms, and the collections counted
//   stop()         removes the callbacks (also done when the environment ends)
#include "addon.h"

#include <node.h>
#include <uv.h>

namespace {

using v8::Context;
using v8::FunctionCallbackInfo;
using v8::GCCallbackFlags;
using v8::GCType;
using v8::Isolate;
using v8::Local;
using v8::Number;
using v8::Value;

struct State {
  Isolate* isolate = nullptr;
  bool running = false;
  uint64_t began = 0;
  uint64_t total_ns = 0;
  double collections = 0;
};

void Prologue(Isolate*, GCType, GCCallbackFlags, void* data) {
  static_cast<State*>(data)->began = uv_hrtime();
}

void Epilogue(Isolate*, GCType, GCCallbackFlags, void* data) {
  State* s = static_cast<State*>(data);
  if (s->began == 0) return;
  s->total_ns += uv_hrtime() - s->began;
  s->began = 0;
  s->collections += 1;
}

void StopClock(State* s) {
  if (!s->running) return;
  s->isolate->RemoveGCPrologueCallback(Prologue, s);
  s->isolate->RemoveGCEpilogueCallback(Epilogue, s);
  s->running = false;
}

void Start(const FunctionCallbackInfo<Value>& info) {
  State* s = addon::StateOf<State>(info);
  if (s->running) return;
  s->isolate->AddGCPrologueCallback(Prologue, s);
  s->isolate->AddGCEpilogueCallback(Epilogue, s);
  s->running = true;
}

void Read(const FunctionCallbackInfo<Value>& info) {
  State* s = addon::StateOf<State>(info);
  Isolate* isolate = info.GetIsolate();
  Local<v8::Array> out = v8::Array::New(isolate, 2);
  Local<Context> context = isolate->GetCurrentContext();
  out->Set(context, 0, Number::New(isolate, static_cast<double>(s->total_ns) / 1e6)).Check();
  out->Set(context, 1, Number::New(isolate, s->collections)).Check();
  info.GetReturnValue().Set(out);
}

void Stop(const FunctionCallbackInfo<Value>& info) {
  StopClock(addon::StateOf<State>(info));
}

}  // namespace

NODE_MODULE_INIT(/* exports, module, context */) {
  addon::ExportWithState<State, StopClock>(exports, context, {{"start", Start}, {"read", Read}, {"stop", Stop}});
}
