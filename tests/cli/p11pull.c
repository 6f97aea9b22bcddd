/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A planted fault: a PKCS#11 module that forwards every call to the
 * module $GF_P11PULL_MODULE (SoftHSM2) until $GF_P11PULL_SIGNS C_Sign
 * calls have succeeded in this process; from then on the token is
 * pulled: what a token must be present for fails with the code a pulled
 * token gives ($GF_P11PULL_RV: "removed", CKR_DEVICE_REMOVED, the
 * default; "absent", CKR_TOKEN_NOT_PRESENT; "session",
 * CKR_SESSION_HANDLE_INVALID), and C_GetSlotList lists no token.
 * With $GF_P11PULL_PIN_TRIES=N, the user PIN locks after N wrong ones,
 * C_GetTokenInfo saying CKF_USER_PIN_FINAL_TRY when one is left, as a
 * smartcard does (SoftHSM2 never says it).
 * With $GF_P11PULL_FIND_FAILS set, C_FindObjectsInit fails
 * (CKR_DEVICE_ERROR) while the token is in.
 * Signatures take $GF_P11PULL_DELAY_MS each, one at a time, as on a
 * slow token: a spool then commits groups before the token is pulled.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST pulled_list;
static atomic_long signs_left;
static CK_RV pulled_rv = CKR_DEVICE_REMOVED;
static long delay_ms;
static int find_fails;
static atomic_long pin_tries = -1;	/* -1: SoftHSM2's own */
/*
 * Signatures one at a time and in the order they were asked for, as a
 * token's queue of commands takes them: a ticket lock (a mutex lets one
 * thread take it again and again while the others wait).
 */
static pthread_mutex_t token_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t token_turn = PTHREAD_COND_INITIALIZER;
static unsigned long token_next, token_serving;

static void
token_take(void)
{
	unsigned long mine;

	pthread_mutex_lock(&token_lock);
	mine = token_next++;
	while (token_serving != mine)
		pthread_cond_wait(&token_turn, &token_lock);
	pthread_mutex_unlock(&token_lock);
}

static void
token_give(void)
{
	pthread_mutex_lock(&token_lock);
	token_serving++;
	pthread_cond_broadcast(&token_turn);
	pthread_mutex_unlock(&token_lock);
}

static int
pulled(void)
{
	return atomic_load(&signs_left) <= 0;
}

static CK_RV
p_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR n)
{
	if (present && pulled()) {
		*n = 0;
		return CKR_OK;
	}
	return real->C_GetSlotList(present, list, n);
}

static CK_RV
p_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	long tries = atomic_load(&pin_tries);
	CK_RV rv;

	if (pulled())
		return CKR_TOKEN_NOT_PRESENT;
	if ((rv = real->C_GetTokenInfo(slot, info)) == CKR_OK && tries >= 0) {
		info->flags &= ~(CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
		if (tries == 1)
			info->flags |= CKF_USER_PIN_FINAL_TRY;
		else if (tries == 0)
			info->flags |= CKF_USER_PIN_LOCKED;
	}
	return rv;
}

static CK_RV
p_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app,
    CK_NOTIFY notify, CK_SESSION_HANDLE_PTR s)
{
	if (pulled())
		return CKR_TOKEN_NOT_PRESENT;
	return real->C_OpenSession(slot, flags, app, notify, s);
}

static CK_RV
p_Login(CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin,
    CK_ULONG len)
{
	CK_RV rv;

	if (pulled())
		return pulled_rv;
	if (atomic_load(&pin_tries) == 0)
		return CKR_PIN_LOCKED;
	rv = real->C_Login(s, u, pin, len);
	if (rv == CKR_PIN_INCORRECT && atomic_load(&pin_tries) > 0)
		atomic_fetch_sub(&pin_tries, 1);
	return rv;
}

static CK_RV
p_FindObjectsInit(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	if (pulled())
		return pulled_rv;
	if (find_fails)
		return CKR_DEVICE_ERROR;
	return real->C_FindObjectsInit(s, t, n);
}

static CK_RV
p_GetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
    CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	if (pulled())
		return pulled_rv;
	return real->C_GetAttributeValue(s, o, t, n);
}

static CK_RV
p_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	if (pulled())
		return pulled_rv;
	return real->C_SignInit(s, m, k);
}

static CK_RV
p_Sign(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig,
    CK_ULONG_PTR siglen)
{
	struct timespec ts = { delay_ms / 1000, delay_ms % 1000 * 1000000 };
	CK_RV rv;

	token_take();
	if (pulled())
		rv = pulled_rv;
	else if ((rv = real->C_Sign(s, data, len, sig, siglen)) == CKR_OK &&
	    sig != NULL) {
		/* A length query (sig NULL) is not a signature. */
		nanosleep(&ts, NULL);
		atomic_fetch_sub(&signs_left, 1);
	}
	token_give();
	return rv;
}

static CK_RV
p_SignUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR data, CK_ULONG len)
{
	if (pulled())
		return pulled_rv;
	return real->C_SignUpdate(s, data, len);
}

static CK_RV
p_SignFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR sig, CK_ULONG_PTR siglen)
{
	CK_RV rv;

	if (pulled())
		return pulled_rv;
	rv = real->C_SignFinal(s, sig, siglen);
	if (rv == CKR_OK && sig != NULL)
		atomic_fetch_sub(&signs_left, 1);
	return rv;
}

static CK_RV
p_DecryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	if (pulled())
		return pulled_rv;
	return real->C_DecryptInit(s, m, k);
}

static CK_RV
p_EncryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	if (pulled())
		return pulled_rv;
	return real->C_EncryptInit(s, m, k);
}

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR out)
{
	CK_C_GetFunctionList get;
	const char *path, *n, *rv;
	void *lib;

	if (real == NULL) {
		if ((path = getenv("GF_P11PULL_MODULE")) == NULL ||
		    (lib = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL ||
		    (get = (CK_C_GetFunctionList)dlsym(lib,
		    "C_GetFunctionList")) == NULL || get(&real) != CKR_OK)
			return CKR_GENERAL_ERROR;
		n = getenv("GF_P11PULL_SIGNS");
		atomic_store(&signs_left, n != NULL ? strtol(n, NULL, 10) : 0);
		find_fails = getenv("GF_P11PULL_FIND_FAILS") != NULL;
		if ((n = getenv("GF_P11PULL_PIN_TRIES")) != NULL)
			atomic_store(&pin_tries, strtol(n, NULL, 10));
		if ((n = getenv("GF_P11PULL_DELAY_MS")) != NULL)
			delay_ms = strtol(n, NULL, 10);
		if ((rv = getenv("GF_P11PULL_RV")) != NULL &&
		    strcmp(rv, "absent") == 0)
			pulled_rv = CKR_TOKEN_NOT_PRESENT;
		else if (rv != NULL && strcmp(rv, "session") == 0)
			pulled_rv = CKR_SESSION_HANDLE_INVALID;
		pulled_list = *real;
		pulled_list.C_GetSlotList = p_GetSlotList;
		pulled_list.C_GetTokenInfo = p_GetTokenInfo;
		pulled_list.C_OpenSession = p_OpenSession;
		pulled_list.C_Login = p_Login;
		pulled_list.C_FindObjectsInit = p_FindObjectsInit;
		pulled_list.C_GetAttributeValue = p_GetAttributeValue;
		pulled_list.C_SignInit = p_SignInit;
		pulled_list.C_Sign = p_Sign;
		pulled_list.C_SignUpdate = p_SignUpdate;
		pulled_list.C_SignFinal = p_SignFinal;
		pulled_list.C_DecryptInit = p_DecryptInit;
		pulled_list.C_EncryptInit = p_EncryptInit;
	}
	*out = &pulled_list;
	return CKR_OK;
}
