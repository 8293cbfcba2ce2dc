// A small, strict JSON reader for the shared vectors (Mono here has no System.Text.Json or
// DataContractJsonSerializer). Objects keep their key order; numbers are long (or double when
// fractional); strings decode every escape, including \u0000 and surrogate pairs.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace WechatPay.Notify.Tests
{
    internal sealed class JsonObject : List<KeyValuePair<string, object>>
    {
        public bool Has(string key)
        {
            foreach (var pair in this) if (pair.Key == key) return true;
            return false;
        }

        public object this[string key]
        {
            get
            {
                foreach (var pair in this) if (pair.Key == key) return pair.Value;
                return null;
            }
        }
    }

    internal sealed class MiniJson
    {
        private readonly string text;
        private int pos;

        private MiniJson(string text)
        {
            this.text = text;
        }

        public static object Parse(string text)
        {
            var reader = new MiniJson(text);
            reader.Space();
            object value = reader.Value();
            reader.Space();
            if (reader.pos != text.Length) throw reader.Error("trailing content");
            return value;
        }

        private Exception Error(string what)
        {
            return new FormatException("JSON: " + what + " at offset " + pos);
        }

        private void Space()
        {
            while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' || text[pos] == '\r')) pos++;
        }

        private void Expect(char c)
        {
            if (pos >= text.Length || text[pos] != c) throw Error("expected '" + c + "'");
            pos++;
        }

        private bool Literal(string word)
        {
            if (string.CompareOrdinal(text, pos, word, 0, word.Length) != 0) return false;
            pos += word.Length;
            return true;
        }

        private object Value()
        {
            if (pos >= text.Length) throw Error("unexpected end");
            char c = text[pos];
            if (c == '{') return Object();
            if (c == '[') return Array();
            if (c == '"') return String();
            if (Literal("true")) return true;
            if (Literal("false")) return false;
            if (Literal("null")) return null;
            return Number();
        }

        private JsonObject Object()
        {
            var obj = new JsonObject();
            Expect('{');
            Space();
            if (pos < text.Length && text[pos] == '}')
            {
                pos++;
                return obj;
            }
            while (true)
            {
                Space();
                string key = String();
                Space();
                Expect(':');
                Space();
                obj.Add(new KeyValuePair<string, object>(key, Value()));
                Space();
                if (pos < text.Length && text[pos] == ',')
                {
                    pos++;
                    continue;
                }
                Expect('}');
                return obj;
            }
        }

        private List<object> Array()
        {
            var list = new List<object>();
            Expect('[');
            Space();
            if (pos < text.Length && text[pos] == ']')
            {
                pos++;
                return list;
            }
            while (true)
            {
                Space();
                list.Add(Value());
                Space();
                if (pos < text.Length && text[pos] == ',')
                {
                    pos++;
                    continue;
                }
                Expect(']');
                return list;
            }
        }

        private string String()
        {
            Expect('"');
            var sb = new StringBuilder();
            while (true)
            {
                if (pos >= text.Length) throw Error("unterminated string");
                char c = text[pos++];
                if (c == '"') return sb.ToString();
                if (c != '\\')
                {
                    if (c < 0x20) throw Error("control character in string");
                    sb.Append(c);
                    continue;
                }
                if (pos >= text.Length) throw Error("unterminated escape");
                char e = text[pos++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (pos + 4 > text.Length) throw Error("short \\u escape");
                        sb.Append((char)int.Parse(text.Substring(pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        pos += 4;
                        break;
                    default: throw Error("bad escape");
                }
            }
        }

        private object Number()
        {
            int start = pos;
            while (pos < text.Length && "+-0123456789.eE".IndexOf(text[pos]) >= 0) pos++;
            string n = text.Substring(start, pos - start);
            if (n.Length == 0) throw Error("unexpected character");
            long l;
            if (long.TryParse(n, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l)) return l;
            return double.Parse(n, CultureInfo.InvariantCulture);
        }
    }
}
