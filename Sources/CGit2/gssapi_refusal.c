/*
 * libgit2's "Negotiate" HTTP authentication calls GSSAPI, which Debian's libgit2 takes from Kerberos:
 * seven shared libraries (gssapi_krb5, krb5, k5crypto, com_err, krb5support, keyutils, resolv) that
 * every process start would load and relocate, for a transport Scorpio never opens. These definitions
 * answer libgit2's calls instead: each fails with GSS_S_FAILURE, so Negotiate is never offered.
 */
#include <stdint.h>

typedef uint32_t status_t;
enum { gss_failure = 13u << 16 };  /* GSS_S_FAILURE, a routine error */

static status_t refuse(status_t *minor) {
    if (minor) *minor = 0;
    return gss_failure;
}

void *GSS_C_NT_HOSTBASED_SERVICE = 0;

status_t gss_import_name(status_t *minor, void *input, void *type, void **output) {
    (void)input, (void)type;
    if (output) *output = 0;
    return refuse(minor);
}

status_t gss_init_sec_context(status_t *minor, void *credential, void **context, void *target, void *mechanism,
                              status_t flags, status_t lifetime, void *bindings, void *input, void **actual_mechanism,
                              void *output, status_t *returned_flags, status_t *returned_lifetime) {
    (void)credential, (void)context, (void)target, (void)mechanism, (void)flags, (void)lifetime, (void)bindings;
    (void)input, (void)actual_mechanism, (void)output, (void)returned_flags, (void)returned_lifetime;
    return refuse(minor);
}

status_t gss_indicate_mechs(status_t *minor, void **mechanisms) {
    if (mechanisms) *mechanisms = 0;
    return refuse(minor);
}

status_t gss_display_status(status_t *minor, status_t value, int type, void *mechanism, status_t *context, void *text) {
    (void)value, (void)type, (void)mechanism, (void)context, (void)text;
    return refuse(minor);
}

/* The releases have nothing to release: nothing was ever made. */
status_t gss_delete_sec_context(status_t *minor, void **context, void *output) {
    (void)context, (void)output;
    if (minor) *minor = 0;
    return 0;
}

status_t gss_release_buffer(status_t *minor, void *buffer) {
    (void)buffer;
    if (minor) *minor = 0;
    return 0;
}

status_t gss_release_name(status_t *minor, void **name) {
    (void)name;
    if (minor) *minor = 0;
    return 0;
}

status_t gss_release_oid_set(status_t *minor, void **set) {
    (void)set;
    if (minor) *minor = 0;
    return 0;
}
