using System;
using System.Diagnostics;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;

namespace AutoGlm.Engine.Services
{
    /// <summary>What one health probe found.</summary>
    public sealed class HealthResult
    {
        public bool Healthy { get; set; }
        /// <summary>A TCP connection was accepted (the server at least listens).</summary>
        public bool Listening { get; set; }
        public string Detail { get; set; } = "";
    }

    /// <summary>
    /// Is the OpenAI-compatible server up: a TCP connect, then GET /v1/models (vLLM and SGLang both answer it;
    /// /health when /v1/models is not there), each bounded by a timeout.
    /// </summary>
    public static class HealthProbe
    {
        public static HealthResult Check(string host, int port, TimeSpan timeout)
        {
            var result = new HealthResult();
            try
            {
                using var client = new TcpClient();
                var connect = client.ConnectAsync(host, port);
                if (!connect.Wait(timeout))
                {
                    result.Detail = $"no TCP connection to {host}:{port} within {timeout.TotalSeconds:0.#} s";
                    return result;
                }
            }
            catch (Exception ex) when (ex is AggregateException || ex is SocketException)
            {
                result.Detail = $"nothing listens on {host}:{port} ({(ex.InnerException ?? ex).Message})";
                return result;
            }
            result.Listening = true;
            using var http = new HttpClient { Timeout = timeout };
            string last = "";
            foreach (var path in new[] { "/v1/models", "/health" })
            {
                var url = $"http://{host}:{port}{path}";
                try
                {
                    using var response = http.GetAsync(url).GetAwaiter().GetResult();
                    var code = (int)response.StatusCode;
                    if (code == 200)
                    {
                        var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
                        if (path == "/v1/models" && body.IndexOf("\"data\"", StringComparison.Ordinal) < 0)
                        {
                            last = $"GET {url} answered 200 but not with a model list";
                            continue;
                        }
                        result.Healthy = true;
                        result.Detail = $"GET {url} answered 200";
                        return result;
                    }
                    last = $"GET {url} answered {code} {response.ReasonPhrase}";
                }
                catch (Exception ex) when (ex is HttpRequestException || ex is OperationCanceledException || ex is AggregateException)
                {
                    last = ex is OperationCanceledException ? $"GET {url} got no answer within {timeout.TotalSeconds:0.#} s" : $"GET {url} failed: {(ex.InnerException ?? ex).Message}";
                }
            }
            result.Detail = last;
            return result;
        }

        /// <summary>Probes until healthy or the deadline passes; returns the last result.</summary>
        public static HealthResult WaitHealthy(string host, int port, TimeSpan deadline, TimeSpan perProbe, TimeSpan interval)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var left = deadline - clock.Elapsed;
                var budget = left < perProbe ? left : perProbe;
                var result = Check(host, port, budget > TimeSpan.FromMilliseconds(200) ? budget : TimeSpan.FromMilliseconds(200));
                if (result.Healthy || clock.Elapsed + interval >= deadline) return result;
                Thread.Sleep(interval);
            }
        }
    }
}
