// abusedesk's bundled rules: PHP web shells that run what a request sends them.
// A request parameter flowing straight into eval/assert/system and friends, possibly
// through base64_decode or gzinflate, is the mark of a web shell, not of an application.
rule PHP_Webshell_Request_Exec
{
    meta:
        description = "PHP code that executes request input (web shell)"
        kind = "webshell"
    strings:
        $php = "<?php" nocase
        $exec = /\b(eval|assert|system|shell_exec|passthru|exec|popen|proc_open)\s*\(\s*(base64_decode\s*\(\s*|gzinflate\s*\(\s*|str_rot13\s*\(\s*)*\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[/ nocase
    condition:
        $php and $exec
}

rule PHP_Webshell_Encoded_Eval
{
    meta:
        description = "PHP eval of a long encoded blob (obfuscated web shell)"
        kind = "webshell"
    strings:
        $php = "<?php" nocase
        $blob = /eval\s*\(\s*(gzinflate|gzuncompress|str_rot13)?\s*\(?\s*base64_decode\s*\(\s*['"][A-Za-z0-9+\/=]{200,}/ nocase
    condition:
        $php and $blob
}
