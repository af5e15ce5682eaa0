namespace AutoGlm { internal static class Placeholder { } }
