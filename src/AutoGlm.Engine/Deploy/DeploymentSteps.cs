using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Plan;

namespace AutoGlm.Engine.Deploy
{
    /// <summary>
    /// The final proof, as Open-AutoGLM's scripts/check_deployment_en.py does it: a non-streaming
    /// POST {base}/chat/completions with the served model name must answer with a choice holding a message.
    /// Test asks once; Set waits for it up to the timeout (a model still loading answers 404 or nothing).
    /// </summary>
    public sealed class DeploymentProofStep : PlanStep
    {
        private readonly string _baseUrl;
        private readonly string _model;
        private readonly TimeSpan _timeout;

        public DeploymentProofStep(string baseUrl, string model, TimeSpan timeout)
            : base("proof.chat", "verify", baseUrl.TrimEnd('/') + "/chat/completions",
                $"Prove the deployment as the phone agent will use it: POST {baseUrl.TrimEnd('/')}/chat/completions for model {model} must answer with a message (Open-AutoGLM's check_deployment request).")
        {
            _baseUrl = baseUrl.TrimEnd('/');
            _model = model;
            _timeout = timeout;
        }

        public string Body =>
            "{\"model\":" + Quote(_model) + ",\"messages\":[{\"role\":\"user\",\"content\":\"Reply with OK.\"}],\"max_tokens\":8,\"temperature\":0.0,\"stream\":false}";

        private static string Quote(string s)
        {
            var sb = new StringBuilder();
            Json.Json.WriteString(sb, s);
            return sb.ToString();
        }

        public override IReadOnlyList<IReadOnlyList<string>> Commands => new IReadOnlyList<string>[]
        {
            new[] { "POST", _baseUrl + "/chat/completions", Body },
        };

        public override StepCheck Test(StepContext context)
        {
            var (ok, detail) = Ask(_timeout < TimeSpan.FromSeconds(60) ? _timeout : TimeSpan.FromSeconds(60));
            return ok ? StepCheck.Satisfied(detail) : StepCheck.Needed(detail);
        }

        public override void Set(StepContext context)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var left = _timeout - clock.Elapsed;
                var (ok, detail) = Ask(left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
                if (ok) return;
                if (clock.Elapsed + TimeSpan.FromSeconds(1) >= _timeout)
                    throw new StepFailedException(Messages.Format("StepFailed_NoChatCompletion", _timeout.TotalSeconds, detail));
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(2000, Math.Max(100, _timeout.TotalMilliseconds / 20))));
            }
        }

        /// <summary>One request: (true, what answered) or (false, why not).</summary>
        public (bool Ok, string Detail) Ask(TimeSpan timeout)
        {
            var url = _baseUrl + "/chat/completions";
            try
            {
                using var http = new HttpClient { Timeout = timeout };
                using var content = new StringContent(Body, Encoding.UTF8, "application/json");
                using var response = http.PostAsync(url, content).GetAwaiter().GetResult();
                var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                var code = (int)response.StatusCode;
                if (code != 200) return (false, $"POST {url} answered {code} {response.ReasonPhrase}: {First(text)}");
                object? doc;
                try { doc = Json.Json.Parse(text); }
                catch (Exception ex) when (ex is FormatException || ex is InvalidDataException || ex is ArgumentException) { return (false, $"POST {url} answered 200 without JSON: {First(text)}"); }
                if (doc is IDictionary<string, object?> root && root.TryGetValue("choices", out var c) && c is IList<object?> choices && choices.Count > 0
                    && choices[0] is IDictionary<string, object?> choice && choice.TryGetValue("message", out var m) && m is IDictionary<string, object?>)
                    return (true, $"POST {url} answered a chat completion as {_model}");
                return (false, $"POST {url} answered 200 but with no choice holding a message (empty or filtered response): {First(text)}");
            }
            catch (Exception ex) when (ex is HttpRequestException || ex is OperationCanceledException || ex is AggregateException || ex is IOException)
            {
                return (false, ex is OperationCanceledException ? $"POST {url} got no answer within {timeout.TotalSeconds:0.#} s" : $"POST {url} failed: {(ex.InnerException ?? ex).Message}");
            }
        }

        private static string First(string text)
        {
            var t = text.Trim().Replace('\n', ' ');
            return t.Length > 200 ? t.Substring(0, 200) + "…" : t;
        }
    }

    /// <summary>
    /// The application's configuration: an environment file the phone agent (PHONE_AGENT_BASE_URL,
    /// PHONE_AGENT_MODEL) and operators read. Its values are checked when planned; Verify also proves the
    /// paths it names exist once the earlier phases ran.
    /// </summary>
    public sealed class AppConfigStep : WriteFileStep
    {
        private readonly IReadOnlyList<string> _paths;

        public AppConfigStep(string path, string content, IReadOnlyList<string> mustExist)
            : base("config.env", $"Write the application's configuration to {path} (PHONE_AGENT_BASE_URL, PHONE_AGENT_MODEL, port, paths).", new PlannedFile(path, content, 0x1A4))
        {
            _paths = mustExist;
        }

        public override StepCheck Verify(StepContext context)
        {
            var written = Test(context);
            if (!written.Done) return written;
            var missing = _paths.Where(p => !Directory.Exists(context.System.MapPath(p)) && !System.IO.File.Exists(context.System.MapPath(p))).ToList();
            return missing.Count == 0 ? written : StepCheck.Needed("the configuration names paths that do not exist: " + string.Join(", ", missing));
        }
    }
}
