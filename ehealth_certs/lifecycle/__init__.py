"""What people do to a certificate: import a keystore, tick renewal steps, change its password,
revoke it. Each workflow is a plain function over the models; views and commands call it."""
