// One SDK component per page load, chosen by the query string, so that the browser test drives exactly what an
// app built on @cleeng/mediastore-sdk renders: ?view=register|login|reset|consents|capture|checkout|purchase|redeem|myaccount&publisher=…
import React, { useState } from "react";
import { createRoot } from "react-dom/client";
import { Provider } from "react-redux";
import {
  Capture,
  Checkout,
  CheckoutConsents,
  Config,
  Login,
  MyAccount,
  PasswordReset,
  Purchase,
  RedeemGift,
  Register,
  store,
} from "@cleeng/mediastore-sdk";

const query = new URLSearchParams(window.location.search);
Config.setEnvironment("development");
Config.setPublisher(query.get("publisher"));
Config.setMyAccountUrl(`${window.location.origin}/sdk-page/?view=myaccount`);
if (query.get("offer")) Config.setOffer(query.get("offer"));

function View() {
  const [done, setDone] = useState(false);
  const finished = () => setDone(true);
  const view = query.get("view");
  const component = {
    register: <Register onSuccess={finished} />,
    login: <Login onSuccess={finished} />,
    reset: <PasswordReset onSuccess={finished} />,
    consents: <CheckoutConsents onSuccess={finished} />,
    capture: <Capture onSuccess={finished} />,
    checkout: <Checkout offerId={query.get("offer")} onSuccess={finished} />,
    purchase: <Purchase offerId={query.get("offer")} couponCode={query.get("coupon") ?? undefined} onSuccess={finished} />,
    redeem: <RedeemGift onSuccess={finished} onBackClick={() => null} />,
    myaccount: <MyAccount />,
  }[view];
  return (
    <>
      {done ? <p id="outcome">{view}: success</p> : null}
      {component ?? <p>unknown view {view}</p>}
    </>
  );
}

createRoot(document.getElementById("root")).render(
  <Provider store={store}>
    <View />
  </Provider>,
);
