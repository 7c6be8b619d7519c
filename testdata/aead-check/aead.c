/* CVE-2026-75803: EVP_Cipher() finalising an AEAD decryption of an empty message must check
 * the tag it was given. Prints, per cipher, whether a correct tag and a forged one are
 * accepted. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static const char *verdict(const char *name, int forge) {
	unsigned char key[32] = {1}, iv[12] = {2}, tag[16];
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (c == NULL || ctx == NULL)
		return "unavailable";
	/* The tag of the empty message, from an encryption. */
	if (!EVP_EncryptInit_ex2(ctx, c, key, iv, NULL) || EVP_Cipher(ctx, NULL, NULL, 0) < 0 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, sizeof tag, tag) <= 0)
		return "setup failed";
	if (forge)
		tag[0] ^= 1;
	if (!EVP_DecryptInit_ex2(ctx, c, key, iv, NULL) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, sizeof tag, tag) <= 0)
		return "setup failed";
	return EVP_Cipher(ctx, NULL, NULL, 0) < 0 ? "rejected" : "accepted";
}

int main(void) {
	const char *ciphers[] = {"ChaCha20-Poly1305", "AES-128-OCB"};
	for (size_t i = 0; i < sizeof ciphers / sizeof *ciphers; i++)
		printf("%s: tag %s, forged tag %s\n", ciphers[i], verdict(ciphers[i], 0), verdict(ciphers[i], 1));
	return 0;
}
