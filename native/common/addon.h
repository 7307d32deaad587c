// What the project's addons share: each keeps its state per Node environment (main thread or
// worker), hands it to every exported method, and frees it when the environment ends.
#pragma once

#include <node.h>

#include <initializer_list>
#include <utility>

namespace addon {

// The state `ExportMethods` bound to the method being called.
template <typename State>
State* StateOf(const v8::FunctionCallbackInfo<v8::Value>& info) {
  return static_cast<State*>(info.Data().As<v8::External>()->Value());
}

// Sets each of `methods` on `exports`, bound to `state`; `cleanup(state)` runs when the environment
// ends (it must free the state).
inline void ExportMethods(v8::Local<v8::Object> exports, v8::Local<v8::Context> context, void* state, void (*cleanup)(void*),
                          std::initializer_list<std::pair<const char*, v8::FunctionCallback>> methods) {
  v8::Isolate* isolate = context->GetIsolate();
  node::AddEnvironmentCleanupHook(isolate, cleanup, state);
  v8::Local<v8::External> data = v8::External::New(isolate, state);
  for (const auto& [name, fn] : methods) {
    v8::Local<v8::Function> f = v8::FunctionTemplate::New(isolate, fn, data)->GetFunction(context).ToLocalChecked();
    exports->Set(context, v8::String::NewFromUtf8(isolate, name).ToLocalChecked(), f).Check();
  }
}

// Creates the state of this environment (a `State` with an `isolate` member), exports `methods`
// bound to it, and when the environment ends runs `release(state)` (what the state holds open in
// V8) and frees it.
template <typename State, void (*release)(State*)>
void ExportWithState(v8::Local<v8::Object> exports, v8::Local<v8::Context> context,
                     std::initializer_list<std::pair<const char*, v8::FunctionCallback>> methods) {
  State* state = new State();
  state->isolate = context->GetIsolate();
  ExportMethods(exports, context, state, [](void* arg) {
    State* s = static_cast<State*>(arg);
    release(s);
    delete s;
  }, methods);
}

}  // namespace addon
