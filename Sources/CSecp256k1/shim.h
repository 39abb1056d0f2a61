// Debian's libsecp256k1-dev (bitcoin-core's library, built with the recovery module).
#include <secp256k1.h>
#include <secp256k1_recovery.h>
