// abusedesk's bundled rules: the EICAR anti-virus test file.
// EICAR's file is 68 printable characters, optionally followed by white space, up to 128
// bytes in all; it must start at the beginning of the file.
rule EICAR_Test_File
{
    meta:
        description = "EICAR anti-virus test file"
        kind = "test"
    strings:
        $start = "X5O!P%@AP[4\\PZX54(P^)7CC)7}"
        $name = "$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        $start at 0 and $name at 27 and filesize <= 128
}
