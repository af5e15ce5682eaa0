using AutoGlm.Engine.Diagnostics;
using AutoGlm.Engine.Git;
using Xunit;

namespace AutoGlm.Tests.Git
{
    public class GitUrlTests
    {
        [Theory]
        [InlineData("https://github.com/zai-org/Open-AutoGLM")]
        [InlineData("https://github.com/zai-org/Open-AutoGLM.git")]
        [InlineData("https://GitHub.com/Zai-Org/open-autoglm/")]
        [InlineData("git@github.com:zai-org/Open-AutoGLM.git")]
        [InlineData("ssh://git@github.com/zai-org/Open-AutoGLM")]
        [InlineData("ssh://git@github.com:22/zai-org/Open-AutoGLM.git")]
        [InlineData("https://user:tok@github.com/zai-org/Open-AutoGLM.git")]
        public void OneRepositoryInEveryFormHasOneKey(string url)
        {
            Assert.Equal("github.com/zai-org/open-autoglm", GitUrl.Parse(url, allowLocal: false).Key);
        }

        [Fact]
        public void DifferentRepositoriesDiffer()
        {
            var a = GitUrl.Parse("https://github.com/zai-org/Open-AutoGLM", false);
            Assert.False(a.SameRepository(GitUrl.Parse("https://github.com/THUDM/Open-AutoGLM", false)));
            Assert.False(a.SameRepository(GitUrl.Parse("https://gitlab.com/zai-org/Open-AutoGLM", false)));
            Assert.Equal("github.com/zai-org", a.ParentKey);
            Assert.Equal("Open-AutoGLM", a.Name);
        }

        [Theory]
        [InlineData("https://oauth2:ghp_abc123@github.com/zai-org/app.git", "https://****@github.com/zai-org/app.git", "oauth2:ghp_abc123")]
        [InlineData("https://ghp_abc123@github.com/zai-org/app.git", "https://****@github.com/zai-org/app.git", "ghp_abc123")]
        [InlineData("ssh://git:pw@host.example/zai-org/app.git", "ssh://****@host.example/zai-org/app.git", "git:pw")]
        [InlineData("git@github.com:zai-org/app.git", "git@github.com:zai-org/app.git", null)]
        public void CredentialsAreMaskedInTheDisplayForm(string url, string display, string? secret)
        {
            var parsed = GitUrl.Parse(url, false);
            Assert.Equal(display, parsed.Display);
            Assert.Equal(secret, parsed.Secret);
            Assert.Equal(display, GitUrl.MaskText(url));
        }

        [Fact]
        public void LocalPathsAndFileUrlsOnlyWithTheAllowance()
        {
            Assert.Equal("RepositoryUrlLocalNotAllowed", Assert.Throws<AutoGlmException>(() => GitUrl.Parse("/srv/mirror/app.git", false)).ErrorId);
            Assert.Equal("RepositoryUrlLocalNotAllowed", Assert.Throws<AutoGlmException>(() => GitUrl.Parse("file:///srv/mirror/app.git", false)).ErrorId);
            Assert.Equal(GitUrl.Parse("/srv/mirror/app", true).Key, GitUrl.Parse("file:///srv/mirror/app.git", true).Key);
            Assert.Equal("RepositoryUrlInvalid", Assert.Throws<AutoGlmException>(() => GitUrl.Parse("file://relative", true)).ErrorId);
        }
    }
}
