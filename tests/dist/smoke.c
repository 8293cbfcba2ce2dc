/* Smoke test for the installed C SDK (scripts/test-dist.sh): built against an install prefix with
 * `pkg-config --cflags --libs wechatpay-notify` (shared) and `--static`, nothing from the source tree.
 *
 *   smoke --version               prints wechatpay_version()
 *   smoke API_KEY_FILE BODY_FILE  verifies BODY_FILE as an MD5-signed payment notification:
 *                                 "ok out_trade_no=... total_fee=..." and exit 0, or
 *                                 "refused CODE (NUMBER): MESSAGE" and exit 1; exit 2 on usage or I/O errors.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wechatpay_notify.h>

static unsigned char *read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf != NULL) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            break;
        }
        if (len == cap) {
            unsigned char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        perror(path);
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len_out = len;
    return buf;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("%s\n", wechatpay_version());
        return 0;
    }
    if (argc != 3) {
        fprintf(stderr, "usage: %s --version | API_KEY_FILE BODY_FILE\n", argv[0]);
        return 2;
    }
    size_t key_len = 0, body_len = 0;
    unsigned char *key = read_file(argv[1], &key_len);
    unsigned char *body = read_file(argv[2], &body_len);
    if (key == NULL || body == NULL) {
        free(key);
        free(body);
        return 2;
    }
    while (key_len > 0 && (key[key_len - 1] == '\n' || key[key_len - 1] == '\r')) {
        key_len--;
    }

    int status = 2;
    struct wechatpay_verifier *verifier = NULL;
    struct wechatpay_error *error =
        wechatpay_verifier_new((const char *)key, key_len, "MD5", 3, &verifier);
    if (error != NULL) {
        fprintf(stderr, "configuration refused: %s: %s\n", wechatpay_error_code(error),
                wechatpay_error_message(error));
        wechatpay_error_free(error);
        goto done;
    }

    struct wechatpay_payment *payment = NULL;
    error = wechatpay_verifier_verify_payment(verifier, body, body_len, &payment);
    if (error != NULL) {
        printf("refused %s (%u): %s\n", wechatpay_error_code(error),
               (unsigned)wechatpay_error_number(error), wechatpay_error_message(error));
        wechatpay_error_free(error);
        status = 1;
        goto done;
    }
    struct wechatpay_str out_trade_no = {NULL, 0};
    uint64_t total_fee = 0;
    bool has_total_fee = false, has_out_trade_no = false;
    /* Typed properties are read by name (wechatpay_payment_property lists them). An amount present
     * in another form than digits is an error of its getter, never absent. */
    struct wechatpay_error *amount_error =
        wechatpay_payment_amount(payment, "total_fee", 9, &total_fee, &has_total_fee);
    struct wechatpay_error *text_error =
        wechatpay_payment_text(payment, "out_trade_no", 12, &out_trade_no, &has_out_trade_no);
    if (amount_error != NULL || text_error != NULL || !has_total_fee || !has_out_trade_no) {
        fprintf(stderr, "verified payment without out_trade_no/total_fee\n");
        wechatpay_error_free(amount_error);
        wechatpay_error_free(text_error);
        wechatpay_payment_free(payment);
        goto done;
    }
    printf("ok out_trade_no=%.*s total_fee=%llu success=%s\n", (int)out_trade_no.len,
           out_trade_no.data, (unsigned long long)total_fee,
           wechatpay_payment_is_success(payment) ? "true" : "false");
    wechatpay_payment_free(payment);
    status = 0;

done:
    wechatpay_verifier_free(verifier);
    free(key);
    free(body);
    return status;
}
